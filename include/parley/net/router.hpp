#pragma once
// Maps (method, path pattern) to handlers. Patterns are literal segments and ":name"
// captures, e.g. "/api/inbox/:id/assign".
#include <string>
#include <string_view>
#include <vector>

#include "parley/net/http_types.hpp"

namespace parley::http {

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  enum class Match { found, wrong_method, none };
  // On `found`, fills request.params and returns the handler in `out` and, when asked, the
  // route's pattern in `pattern` (a bounded label for metrics, unlike the raw path).
  Match match(Request& request, const Handler** out, const std::string** pattern = nullptr) const;
  // True when some route's pattern matches `path`, whatever its method (no allocation).
  bool matches_path(std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace parley::http
