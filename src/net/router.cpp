#include "parley/net/router.hpp"
#include <algorithm>

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

// The segments of a path one at a time, as split_path() cuts them, without allocating.
class Segments {
 public:
  explicit Segments(std::string_view path) : path_(path) {}
  // The next segment; false when there is none left.
  bool next(std::string_view& out) {
    if (start_ > path_.size()) return false;
    auto slash = path_.find('/', start_);
    if (slash == std::string_view::npos) slash = path_.size();
    out = path_.substr(start_, slash - start_);
    start_ = slash + 1;
    return true;
  }

 private:
  std::string_view path_;
  std::size_t start_ = 1;
};

// Whether `pattern` (split) matches `path`; a capture matches any non-empty segment.
bool segments_match(const std::vector<std::string>& pattern, std::string_view path) {
  Segments segments(path);
  std::string_view segment;
  std::size_t i = 0;
  for (; segments.next(segment); ++i) {
    if (i >= pattern.size()) return false;
    const auto& want = pattern[i];
    if (!want.empty() && want.front() == ':') {
      if (segment.empty()) return false;
    } else if (want != segment) {
      return false;
    }
  }
  return i == pattern.size();
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, std::size_t body_limit) {
  auto segments = split_path(pattern);
  max_body_limit_ = std::max(max_body_limit_, body_limit);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler), body_limit});
}

Router::Match Router::match(Request& request, const Handler** out, const std::string** pattern) const {
  bool path_matched = false;
  for (const auto& route : routes_) {
    if (!segments_match(route.segments, request.path)) continue;
    path_matched = true;
    if (route.method != request.method) continue;
    std::map<std::string, std::string> params;
    Segments segments(request.path);
    std::string_view segment;
    for (const auto& want : route.segments) {
      segments.next(segment);
      if (!want.empty() && want.front() == ':') params[want.substr(1)] = percent_decode(segment);
    }
    request.params = std::move(params);
    *out = &route.handler;
    if (pattern) *pattern = &route.pattern;
    return Match::found;
  }
  return path_matched ? Match::wrong_method : Match::none;
}

std::size_t Router::body_limit(std::string_view method, std::string_view path) const {
  for (const auto& route : routes_) {
    // The first route matching path and method is the one match() will pick.
    if (route.method == method && segments_match(route.segments, path)) return route.body_limit;
  }
  return kDefaultBodyLimit;
}

bool Router::matches_path(std::string_view path) const {
  for (const auto& route : routes_) {
    if (segments_match(route.segments, path)) return true;
  }
  return false;
}

}  // namespace parley::http
