#pragma once
// The embedded web assets as HTTP responses, serialized once when the server starts: a GET
// of an asset is answered by writing bytes that already exist, with no per-request header
// fields, allocation or serializer.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "parley/assets/embedded_files.hpp"
#include "parley/config/config.hpp"

namespace parley::net {

class StaticFiles {
 public:
  // Builds every asset's responses; the headers that depend on the configuration (the chat
  // frame's Content-Security-Policy) are fixed for the life of the server.
  explicit StaticFiles(const Config& config);

  struct Entry {
    const assets::EmbeddedAsset* asset = nullptr;
    // The header lines after the status line and Connection, and the blank line.
    std::string identity_headers;  // Content-Length of `asset->bytes`
    std::string gzip_headers;      // Content-Encoding: gzip; empty when gzip is not smaller
    std::string not_modified_headers;  // the 304's: no Content-Length, no Content-Encoding
    // The HTTP/1.1 keep-alive response to a GET after its status and Date lines: the other
    // headers, the blank line and the body, in one buffer.
    std::string identity_response;
    std::string gzip_response;
  };

  // The entry for a request path ("/inbox" and "/inbox/" name "/inbox/index.html"), or
  // nullptr when no asset has that path.
  const Entry* find(std::string_view path) const;

  // What to write for a GET or HEAD of `entry`: up to five buffers (status line, Connection
  // header, Date, the other headers and the blank line, body), or three for the common case
  // (status line, Date, the rest).
  struct Answer {
    int status = 200;
    std::size_t body_bytes = 0;  // the representation's size (what GET sends), 0 for 304
    std::array<std::string_view, 5> parts{};
    std::size_t part_count = 0;
  };
  struct Conditions {
    std::string_view if_none_match;  // raw header value, empty when absent
    bool gzip = false;               // the client accepts gzip (see assets::accepts_gzip)
    bool head = false;
    unsigned version = 11;           // 10 = HTTP/1.0, 11 = HTTP/1.1
    bool keep_alive = true;
    std::string_view date_line;      // "Date: …\r\n" (http_date.hpp), kept alive by the caller until written
  };
  // `status_line` is scratch space for an unusual version's status line; it must outlive
  // the write.
  Answer answer(const Entry& entry, const Conditions& c, std::string& status_line) const;

 private:
  std::vector<Entry> entries_;  // parallel to assets::embedded_assets()
};

// True when an If-None-Match value names `etag` (weak comparison, or "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace parley::net
