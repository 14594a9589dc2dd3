// libFuzzer target: the parsers that read raw request data — query strings, cookies,
// percent-decoding, Accept-Encoding, asset paths, routing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parley/assets/asset_table.hpp"
#include "parley/net/http_types.hpp"
#include "parley/net/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  parley::http::Request req;
  req.method = "POST";
  req.path = input;
  req.query = input;
  req.headers = {{"cookie", input}};
  (void)req.query_param("status");
  (void)req.query_param(input);
  (void)req.cookie("parley_session");
  (void)parley::http::percent_decode(input);
  (void)parley::assets::accepts_gzip(input);
  if (const auto* asset = parley::assets::find_asset(input)) {
    // Whatever is found must be one of the embedded files, never a path outside them.
    if (asset->path.find("..") != std::string_view::npos) __builtin_trap();
  }
  static parley::http::Router router = [] {
    parley::http::Router r;
    r.add("POST", "/api/inbox/:id/assign", [](const parley::http::Request&, parley::http::Responder) {});
    r.add("GET", "/api/inbox", [](const parley::http::Request&, parley::http::Responder) {});
    return r;
  }();
  const parley::http::Handler* handler = nullptr;
  // matches_path (the embedded assets' shortcut) agrees with match about whether a route has the path.
  bool routed = router.match(req, &handler) != parley::http::Router::Match::none;
  if (routed != router.matches_path(input)) __builtin_trap();
  return 0;
}
