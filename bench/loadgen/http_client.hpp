#pragma once
// A blocking HTTP/1.1 client on one keep-alive connection (reconnects when the server
// closed it). Only for setup and polling, never on the measured path.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "options.hpp"

namespace loadgen {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::string> set_cookies;
};

class HttpClient {
 public:
  explicit HttpClient(Endpoint endpoint);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws std::system_error when the server cannot be reached.
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                       const Headers& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgen
