#include "static_files.hpp"

#include "parley/assets/asset_table.hpp"

namespace parley::net {
namespace {

// The chat frame may only be framed by the sites allowed to embed the widget, and always by
// Parley's own pages (/demo): 'self' for the origin the browser loaded the frame from, and the
// public URL's origin for when that differs (a proxy in front).
std::string frame_ancestors(const Config& config) {
  if (config.allowed_origins.empty()) return "frame-ancestors *";
  std::string out = "frame-ancestors 'self'";
  if (!config.public_url.empty()) out += " " + origin_of(config.public_url);
  for (const auto& o : config.allowed_origins) out += " " + o;
  return out;
}

void add(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The header lines every answer for `asset` carries (200 and 304 alike).
std::string common_headers(const assets::EmbeddedAsset& asset, const Config& config) {
  std::string h;
  add(h, "Server", "Parley");
  add(h, "Content-Type", asset.mime_type);
  add(h, "ETag", asset.etag);
  add(h, "Vary", "Accept-Encoding");
  // Revalidate every time (cheap with ETag/304): widget.js must update on every customer
  // page as soon as Parley is upgraded, because its URL carries no version.
  add(h, "Cache-Control", "public, max-age=0, must-revalidate");
  add(h, "X-Content-Type-Options", "nosniff");
  if (asset.mime_type.rfind("text/html", 0) == 0) {
    bool is_chat_frame = asset.path.rfind("/chat/", 0) == 0;
    std::string csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                      "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; ";
    if (asset.path.rfind("/demo/", 0) == 0) {
      csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self' ws: wss:; frame-src 'self'; base-uri 'none'; ";
    }
    csp += is_chat_frame ? frame_ancestors(config) : "frame-ancestors 'self'";
    add(h, "Content-Security-Policy", csp);
    add(h, "Referrer-Policy", "no-referrer");
  }
  if (asset.path == "/widget.js") {
    // Customer pages on any origin load it.
    add(h, "Access-Control-Allow-Origin", "*");
    add(h, "Cross-Origin-Resource-Policy", "cross-origin");
  }
  return h;
}

constexpr std::string_view kOk11 = "HTTP/1.1 200 OK\r\n";
constexpr std::string_view kOk10 = "HTTP/1.0 200 OK\r\n";
constexpr std::string_view kNotModified11 = "HTTP/1.1 304 Not Modified\r\n";
constexpr std::string_view kNotModified10 = "HTTP/1.0 304 Not Modified\r\n";

// The Connection header as Beast's keep_alive() writes it (right after the status line):
// HTTP/1.1 says "close" when it closes, HTTP/1.0 says "keep-alive" when it does not.
std::string_view connection_line(unsigned version, bool keep_alive) {
  if (version >= 11) return keep_alive ? "" : "Connection: close\r\n";
  return keep_alive ? "Connection: keep-alive\r\n" : "";
}

}  // namespace

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  while (true) {
    auto comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);  // weak comparison, as for GET
    if (tag == etag) return true;
    if (comma == std::string_view::npos) return false;
    if_none_match.remove_prefix(comma + 1);
  }
}

StaticFiles::StaticFiles(const Config& config) {
  auto all = assets::embedded_assets();
  entries_.reserve(all.size());
  for (const auto& asset : all) {
    Entry e;
    e.asset = &asset;
    std::string common = common_headers(asset, config);
    e.not_modified_headers = common + "\r\n";
    e.identity_headers = common + "Content-Length: " + std::to_string(asset.bytes.size()) + "\r\n\r\n";
    e.identity_response = e.identity_headers + std::string(asset.bytes);
    if (!asset.gzip_bytes.empty() && asset.gzip_bytes.size() < asset.bytes.size()) {
      e.gzip_headers =
          common + "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(asset.gzip_bytes.size()) + "\r\n\r\n";
      e.gzip_response = e.gzip_headers + std::string(asset.gzip_bytes);
    }
    entries_.push_back(std::move(e));
  }
}

const StaticFiles::Entry* StaticFiles::find(std::string_view path) const {
  const assets::EmbeddedAsset* asset = assets::find_asset(path);
  if (!asset) return nullptr;
  auto index = static_cast<std::size_t>(asset - assets::embedded_assets().data());
  return index < entries_.size() ? &entries_[index] : nullptr;
}

StaticFiles::Answer StaticFiles::answer(const Entry& e, const Conditions& c, std::string& status_line) const {
  Answer a;
  bool not_modified = etag_matches(c.if_none_match, e.asset->etag);
  bool gzip = !not_modified && c.gzip && !e.gzip_headers.empty();
  a.status = not_modified ? 304 : 200;
  std::string_view body = gzip ? e.asset->gzip_bytes : e.asset->bytes;
  a.body_bytes = not_modified ? 0 : body.size();

  if (!not_modified && !c.head && c.version == 11 && c.keep_alive) {
    a.parts = {kOk11, c.date_line, gzip ? e.gzip_response : e.identity_response};
    a.part_count = 3;
    return a;
  }
  if (c.version == 11) {
    a.parts[0] = not_modified ? kNotModified11 : kOk11;
  } else if (c.version == 10) {
    a.parts[0] = not_modified ? kNotModified10 : kOk10;
  } else {
    status_line = "HTTP/" + std::to_string(c.version / 10) + "." + std::to_string(c.version % 10) +
                  (not_modified ? " 304 Not Modified\r\n" : " 200 OK\r\n");
    a.parts[0] = status_line;
  }
  a.parts[1] = connection_line(c.version, c.keep_alive);
  a.parts[2] = c.date_line;
  a.parts[3] = not_modified ? e.not_modified_headers : gzip ? e.gzip_headers : e.identity_headers;
  a.part_count = 4;
  if (!not_modified && !c.head) a.parts[a.part_count++] = body;  // HEAD: Content-Length still says what GET would send
  return a;
}

}  // namespace parley::net
