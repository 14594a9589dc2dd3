#include "parley/net/router.hpp"

namespace parley::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  auto segments = split_path(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(Request& request, const Handler** out, const std::string** pattern) const {
  auto segments = split_path(request.path);
  bool path_matched = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& want = route.segments[i];
      if (!want.empty() && want.front() == ':') {
        if (segments[i].empty()) ok = false;
        else params[want.substr(1)] = percent_decode(segments[i]);
      } else {
        ok = want == segments[i];
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (route.method != request.method) continue;
    request.params = std::move(params);
    *out = &route.handler;
    if (pattern) *pattern = &route.pattern;
    return Match::found;
  }
  return path_matched ? Match::wrong_method : Match::none;
}

}  // namespace parley::http
