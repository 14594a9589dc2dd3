#pragma once
// The files compiled into the binary by cmake/embed.cmake.
#include <span>
#include <string_view>

namespace parley::assets {

struct EmbeddedAsset {
  std::string_view path;  // "/chat/index.html", relative to web/
  std::string_view mime_type;
  std::string_view etag;  // quoted strong ETag of the uncompressed bytes
  std::string_view bytes;
  std::string_view gzip_bytes;
};

struct EmbeddedMigration {
  std::string_view file_name;  // "0001_init.sql"
  std::string_view sql;
};

std::span<const EmbeddedAsset> embedded_assets();
std::span<const EmbeddedMigration> embedded_migrations();

}  // namespace parley::assets
