#include "static_files.hpp"

#include "parley/assets/asset_table.hpp"
#include "parley/config/config.hpp"
#include "parley/core/text.hpp"

namespace parley::net {
namespace {

// The chat frame may only be framed by the sites allowed to embed the widget.
std::string frame_ancestors(const Config& config) {
  if (config.allowed_origins.empty()) return "frame-ancestors *";
  std::string out = "frame-ancestors";
  for (const auto& o : config.allowed_origins) out += " " + o;
  return out;
}

bool etag_matches(const std::string& if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  for (std::string_view tag : split_trimmed(if_none_match, ',')) {
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);  // weak comparison, as for GET
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

bool serve_static(const http::Request& request, http::Response& response, const Config& config) {
  const assets::EmbeddedAsset* asset = assets::find_asset(request.path);
  if (!asset) return false;

  response.status = 200;
  response.content_type = std::string(asset->mime_type);
  response.headers.emplace_back("ETag", std::string(asset->etag));
  response.headers.emplace_back("Vary", "Accept-Encoding");
  // Revalidate every time (cheap with ETag/304): widget.js must update on every customer
  // page as soon as Parley is upgraded, because its URL carries no version.
  response.headers.emplace_back("Cache-Control", "public, max-age=0, must-revalidate");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (asset->mime_type.rfind("text/html", 0) == 0) {
    bool is_chat_frame = asset->path.rfind("/chat/", 0) == 0;
    std::string csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                      "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; ";
    if (asset->path.rfind("/demo/", 0) == 0) {
      csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self' ws: wss:; frame-src 'self'; base-uri 'none'; ";
    }
    csp += is_chat_frame ? frame_ancestors(config) : "frame-ancestors 'self'";
    response.headers.emplace_back("Content-Security-Policy", csp);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (asset->path == "/widget.js") {
    // Customer pages on any origin load it.
    response.headers.emplace_back("Access-Control-Allow-Origin", "*");
    response.headers.emplace_back("Cross-Origin-Resource-Policy", "cross-origin");
  }

  if (etag_matches(request.header("if-none-match"), asset->etag)) {
    response.status = 304;
    return true;
  }
  if (assets::accepts_gzip(request.header("accept-encoding")) && asset->gzip_bytes.size() < asset->bytes.size()) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.static_body = asset->gzip_bytes;
  } else {
    response.static_body = asset->bytes;
  }
  return true;
}

}  // namespace parley::net
