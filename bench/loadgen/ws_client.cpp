#include "ws_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

namespace loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

class BeastWsClient : public WsClient, public std::enable_shared_from_this<BeastWsClient> {
 public:
  explicit BeastWsClient(asio::io_context& ioc) : ws_(ioc) {}

  void connect(const Endpoint& server, const std::string& source_ip, const std::string& target,
               const Headers& headers, Callbacks callbacks) override {
    cb_ = std::move(callbacks);
    host_ = server.host + ":" + std::to_string(server.port);
    target_ = target;
    headers_ = headers;
    auto& sock = ws_.next_layer();
    beast::error_code ec;
    tcp::endpoint remote(asio::ip::make_address(server.host, ec), server.port);
    if (ec) return fail_open("bad host: " + ec.message());
    sock.open(tcp::v4(), ec);
    if (ec) return fail_open("socket: " + ec.message());
    if (!source_ip.empty()) {
      // Let connect() pick the port per destination: more than ~28k sockets per source
      // address to different servers, and no bind-time port exhaustion.
      int one = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sock.bind(tcp::endpoint(asio::ip::make_address(source_ip), 0), ec);
      if (ec) return fail_open("bind " + source_ip + ": " + ec.message());
    }
    sock.async_connect(remote, [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
  }

  void send(std::string text) override {
    if (!open_) return;
    queue_.push_back(std::move(text));
    if (!writing_) do_write();
  }

  std::size_t queued() const override { return queue_.size(); }
  bool is_open() const override { return open_; }

  void abort() override {
    beast::error_code ec;
    ws_.next_layer().close(ec);
  }

 private:
  void fail_open(const std::string& why) {
    auto cb = std::move(cb_.on_open);
    if (cb) cb(why.empty() ? "failed" : why);
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail_open("connect: " + ec.message());
    ws_.next_layer().set_option(tcp::no_delay(true), ec);
    ws_.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "parley-loadgen");
      for (const auto& [k, v] : headers_) req.set(k, v);
    }));
    ws_.async_handshake(host_, target_, [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    headers_.clear();
    if (ec) return fail_open("upgrade: " + ec.message());
    open_ = true;
    ws_.text(true);
    auto cb = std::move(cb_.on_open);
    if (cb) cb("");
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return closed(ec == websocket::error::closed ? "closed by server (" + std::to_string(ws_.reason().code) + " " +
                                                               std::string(ws_.reason().reason.data(), ws_.reason().reason.size()) + ")"
                                                         : ec.message());
    std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (cb_.on_text) cb_.on_text(text);
    buffer_.consume(buffer_.size());
    do_read();
  }

  void do_write() {
    if (queue_.empty() || !open_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->writing_ = false;
        return self->closed("write: " + ec.message());
      }
      self->queue_.pop_front();
      self->do_write();
    });
  }

  void closed(const std::string& why) {
    if (!open_) return;
    open_ = false;
    queue_.clear();
    beast::error_code ec;
    ws_.next_layer().close(ec);
    if (cb_.on_close) cb_.on_close(why);
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  Callbacks cb_;
  std::string host_, target_;
  Headers headers_;
  bool open_ = false;
  bool writing_ = false;
};

}  // namespace

std::shared_ptr<WsClient> WsClient::create(asio::io_context& ioc) { return std::make_shared<BeastWsClient>(ioc); }

}  // namespace loadgen
