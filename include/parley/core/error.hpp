#pragma once
// The one error type that crosses layers. It carries its HTTP status and a stable code;
// the transport renders it as {"error":{"code","message"}} (HTTP) or an error frame (WS).
// Anything that is not an ApiError becomes a 500 whose details stay in the log.
#include <stdexcept>
#include <string>

namespace parley {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }

  static ApiError bad_request(const std::string& msg) { return {400, "bad_request", msg}; }
  static ApiError invalid_field(const std::string& msg) { return {400, "invalid_field", msg}; }
  static ApiError unauthenticated(const std::string& msg = "Authentication required") {
    return {401, "unauthenticated", msg};
  }
  static ApiError forbidden(const std::string& msg) { return {403, "forbidden", msg}; }
  static ApiError not_found(const std::string& msg = "Not found") { return {404, "not_found", msg}; }
  static ApiError conflict(const std::string& msg) { return {409, "conflict", msg}; }
  static ApiError unavailable(const std::string& msg = "The database is unavailable") {
    return {503, "unavailable", msg};
  }
  static ApiError overloaded() { return {503, "overloaded", "The server is busy; retry shortly"}; }
  static ApiError internal() { return {500, "internal", "Internal server error"}; }

 private:
  int status_;
  std::string code_;
};

}  // namespace parley
