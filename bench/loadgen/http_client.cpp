#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace loadgen {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  explicit Impl(Endpoint e) : endpoint(std::move(e)), socket(ioc) {}

  void connect() {
    boost::system::error_code ec;
    socket.close(ec);
    socket = tcp::socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address(endpoint.host), endpoint.port));
    socket.set_option(tcp::no_delay(true));
    buffer.clear();
  }

  HttpResponse once(bhttp::request<bhttp::string_body>& req) {
    bhttp::write(socket, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    bhttp::read(socket, buffer, parser);
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) {
      if (f.name() == bhttp::field::set_cookie) out.set_cookies.emplace_back(f.value());
    }
    keep_alive = res.keep_alive();
    return out;
  }

  Endpoint endpoint;
  asio::io_context ioc;
  tcp::socket socket;
  boost::beast::flat_buffer buffer;
  bool keep_alive = false;
};

HttpClient::HttpClient(Endpoint endpoint) : impl_(std::make_unique<Impl>(std::move(endpoint))) {}
HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const Headers& headers) {
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, impl_->endpoint.host + ":" + std::to_string(impl_->endpoint.port));
  req.set(bhttp::field::user_agent, "parley-loadgen");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  req.keep_alive(true);
  // A kept-alive connection the server has since closed fails on first use: retry once fresh.
  for (int attempt = 0;; ++attempt) {
    try {
      if (!impl_->socket.is_open() || !impl_->keep_alive) impl_->connect();
      return impl_->once(req);
    } catch (const boost::system::system_error&) {
      impl_->keep_alive = false;
      if (attempt == 1) throw;
    }
  }
}

}  // namespace loadgen
