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
  void on_header(beast::error_code ec, std::size_t);
  void on_read(beast::error_code ec, std::size_t);
  bool serve_static(const bhttp::request<bhttp::string_body>& req);
  void dispatch(bhttp::request<bhttp::string_body>&& req);
  void upgrade(bhttp::request<bhttp::string_body>&& req, const http::Request& request);
  void respond(http::Response&& response);
  void on_write(bool close, beast::error_code ec);
  void close_socket();
  // The connection's one deadline (reading a request, writing a response): a timer armed
  // once and re-armed lazily when it fires early, not a timer per I/O operation.
  void set_deadline(std::chrono::steady_clock::time_point deadline);
  void on_deadline(beast::error_code ec);

  beast::tcp_stream stream_;  // its own timeouts unused; a WebSocket takes it over on upgrade
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool timer_armed_ = false;
  bool closed_ = false;
  bool upgraded_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<SharedState> state_;
  std::string peer_;  // the peer's address, normalized
  bool peer_trusted_ = false;  // a trusted proxy: X-Forwarded-* are honoured
  bool busy_ = false;        // a request is being handled
  std::size_t body_limit_ = http::kDefaultBodyLimit;  // of the request being read (its route's)
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
  // The last Accept-Encoding value seen and whether it admits gzip: clients send the same
  // one on every request of a connection.
  std::string accept_encoding_;
  bool accepts_gzip_ = false;
  std::string status_line_;  // scratch for StaticFiles::answer
  std::string date_line_;    // this response's Date line, stable while it is written
  std::array<asio::const_buffer, 5> static_buffers_;
  std::string log_method_, log_path_, log_remote_;
  std::string_view route_ = "unmatched";  // metrics label: a route pattern, "static" or "unmatched"
  std::chrono::steady_clock::time_point started_;
};

}  // namespace parley::net
