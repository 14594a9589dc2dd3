#include "parley/net/http_types.hpp"

#include <nlohmann/json.hpp>

#include "parley/core/error.hpp"
#include "parley/core/text.hpp"

namespace parley::http {

std::string Request::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size()) {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) {
        out += c;
        continue;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string Request::query_param(std::string_view name) const {
  for (std::string_view pair : split_trimmed(query, '&')) {
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
  }
  return {};
}

std::string Request::cookie(std::string_view name) const {
  std::string all = header("cookie");
  for (std::string_view item : split_trimmed(all, ';')) {
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
  }
  return {};
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::error(const ApiError& e) {
  Response r = json(e.status(), {{"error", {{"code", e.code()}, {"message", e.what()}}}});
  if (e.status() == 429) r.headers.emplace_back("Retry-After", "60");
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace parley::http
