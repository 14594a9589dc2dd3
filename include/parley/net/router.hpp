#pragma once
// Maps (method, path pattern) to handlers. Patterns are literal segments and ":name"
// captures, e.g. "/api/inbox/:id/assign".
#include <string>
#include <string_view>
#include <vector>

#include "parley/net/http_types.hpp"

namespace parley::http {

// Request bodies are read up to this many bytes (413 past it) unless the route allows more.
inline constexpr std::size_t kDefaultBodyLimit = 64 * 1024;

class Router {
 public:
  // `body_limit`: the largest request body this route accepts; the transport refuses a larger
  // one (413) before reading it, so a route that takes big bodies says so here.
  void add(std::string method, std::string pattern, Handler handler, std::size_t body_limit = kDefaultBodyLimit);

  enum class Match { found, wrong_method, none };
  // On `found`, fills request.params and returns the handler in `out` and, when asked, the
  // route's pattern in `pattern` (a bounded label for metrics, unlike the raw path).
  Match match(Request& request, const Handler** out, const std::string** pattern = nullptr) const;
  // True when some route's pattern matches `path`, whatever its method (no allocation).
  bool matches_path(std::string_view path) const;
  // The body limit of the route `method` `path` would be dispatched to (the default when none).
  std::size_t body_limit(std::string_view method, std::string_view path) const;
  // The largest body any route takes: the most a request may announce before its route is known.
  std::size_t max_body_limit() const { return max_body_limit_; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    std::size_t body_limit;
  };
  std::vector<Route> routes_;
  std::size_t max_body_limit_ = kDefaultBodyLimit;
};

}  // namespace parley::http
