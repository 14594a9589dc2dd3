#pragma once
#include "shared_state.hpp"

namespace parley::net {

// One HTTP connection: reads a request, answers it, repeats while keep-alive holds.
// One request at a time, so at most one response is ever queued.
class HttpSession : public Stoppable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<SharedState> state);
  ~HttpSession() override;
  void run();
  void shutdown() override;

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t);
  void dispatch(bhttp::request<bhttp::string_body>&& req);
  void upgrade(bhttp::request<bhttp::string_body>&& req, const http::Request& request);
  void respond(http::Response&& response);
  void on_write(bool close, beast::error_code ec);
  void close_socket();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<SharedState> state_;
  tcp::endpoint peer_;
  bool busy_ = false;        // a request is being handled
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
  std::string log_method_, log_path_, log_remote_;
  std::string_view route_ = "unmatched";  // metrics label: a route pattern, "static" or "unmatched"
  std::chrono::steady_clock::time_point started_;
};

}  // namespace parley::net
