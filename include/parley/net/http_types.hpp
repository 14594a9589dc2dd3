#pragma once
// HTTP as the rest of Parley sees it: plain structs, no Beast. The transport fills a
// Request and turns a Response back into bytes.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace parley {
class ApiError;
}

namespace parley::http {

struct Request {
  std::string method;  // "GET"
  std::string path;    // decoded only as far as the router needs: the raw path
  std::string query;   // after '?', raw
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;  // the client, after trusted X-Forwarded-For
  bool secure = false;         // https as seen by the client (trusted X-Forwarded-Proto)
  std::map<std::string, std::string> params;  // ":id" segments filled by the router

  // Empty when absent.
  std::string header(std::string_view lower_name) const;
  // Decoded value of a query parameter; empty when absent.
  std::string query_param(std::string_view name) const;
  // Value of a cookie; empty when absent.
  std::string cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, served instead of `body` without copying (embedded assets).
  std::string_view static_body;

  static Response json(int status, const nlohmann::json& body);
  static Response error(const ApiError& e);
  static Response no_content();
};

// Handlers may answer later, from any thread: the transport posts the answer back to
// the connection's strand.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Responder)>;

std::string percent_decode(std::string_view in);

}  // namespace parley::http
