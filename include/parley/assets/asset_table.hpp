#pragma once
// Maps a request path to an embedded web asset. Only the embedded files can ever be
// served: a path is looked up in a fixed table, never joined onto a directory.
#include <optional>
#include <string_view>

#include "parley/assets/embedded_files.hpp"

namespace parley::assets {

// "/inbox", "/inbox/" → "/inbox/index.html"; "/widget.js" → itself. Rejects anything
// with "..", backslashes, NULs or percent-escapes (the embedded names need none).
const EmbeddedAsset* find_asset(std::string_view request_path);

// True when an Accept-Encoding header value admits gzip (q>0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace parley::assets
