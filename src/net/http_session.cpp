#include "http_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "http_date.hpp"
#include "parley/assets/asset_table.hpp"
#include "parley/core/error.hpp"
#include "parley/core/text.hpp"
#include "ws_session.hpp"

namespace parley::net {
namespace {

// Framing that a proxy in front of us could read differently from Beast is refused, and the
// connection closed after the answer, so no body byte is ever read as a request (RFC 9112
// §6.1, §6.3). We only decode `chunked`: any other coding is 501, a list that does not end
// with `chunked` (it cannot be framed) and Transfer-Encoding with Content-Length or in
// HTTP/1.0 are 400. HTTP/1.1 also needs exactly one Host (§3.2).
std::optional<ApiError> framing_error(const bhttp::request_header<>& req) {
  if (req.version() >= 11 && req.count(bhttp::field::host) != 1) {
    return ApiError::bad_request("An HTTP/1.1 request needs exactly one Host header");
  }
  if (req.count(bhttp::field::transfer_encoding) == 0) return std::nullopt;
  if (req.version() < 11) return ApiError::bad_request("Transfer-Encoding is not allowed in HTTP/1.0");
  if (req.count(bhttp::field::content_length) != 0) {
    return ApiError::bad_request("Transfer-Encoding and Content-Length together");
  }
  std::vector<std::string_view> codings;
  auto [first, last] = req.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    for (std::string_view coding : split_trimmed(field->value(), ',')) {
      if (!coding.empty()) codings.push_back(coding);
    }
  }
  auto is_chunked = [](std::string_view coding) { return beast::iequals(coding, "chunked"); };
  if (codings.empty() || !is_chunked(codings.back())) {
    return ApiError::bad_request("Transfer-Encoding must end with chunked");
  }
  codings.pop_back();
  if (std::any_of(codings.begin(), codings.end(), is_chunked)) {
    return ApiError::bad_request("chunked may be applied only once");
  }
  if (!codings.empty()) return ApiError(501, "not_implemented", "Transfer codings other than chunked are not supported");
  return std::nullopt;
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<SharedState> state)
    : stream_(std::move(socket)), timer_(stream_.get_executor()), state_(std::move(state)) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  peer_ = AddressSet::normalize(endpoint.address().to_string());
  peer_trusted_ = state_->trusted_proxies.contains(peer_);
  state_->stats.http_connections.fetch_add(1);
}

HttpSession::~HttpSession() {
  state_->stats.http_connections.fetch_sub(1);
  state_->untrack(this);
}

void HttpSession::run() {
  state_->track(this, weak_from_this());
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void HttpSession::shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->keep_alive_ = false;
    if (!self->busy_) self->close_socket();
  });
}

void HttpSession::set_deadline(std::chrono::steady_clock::time_point deadline) {
  deadline_ = deadline;
  if (timer_armed_ || closed_) return;
  timer_armed_ = true;
  timer_.expires_at(deadline);
  timer_.async_wait(beast::bind_front_handler(&HttpSession::on_deadline, shared_from_this()));
}

void HttpSession::on_deadline(beast::error_code) {
  timer_armed_ = false;
  // Cancelled (closed or upgraded), or no deadline now (a handler is working on the
  // request): the next set_deadline() arms the timer again.
  if (closed_ || upgraded_ || deadline_ == std::chrono::steady_clock::time_point::max()) return;
  if (std::chrono::steady_clock::now() < deadline_) return set_deadline(deadline_);
  // Past the deadline: close, as a timed-out tcp_stream does; the pending read or write
  // ends with operation_aborted.
  close_socket();
}

void HttpSession::do_read() {
  if (state_->stopping) return close_socket();
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  // The parser refuses an announced Content-Length over this as it reads the header; the
  // request's own route then decides (on_header).
  parser_->body_limit(state_->router.max_body_limit());
  // One deadline for the whole request, idle wait included: a client trickling bytes
  // cannot hold the connection past it.
  set_deadline(std::chrono::steady_clock::now() + kHttpReadTimeout);
  // The header first: the route it names decides how large a body may follow.
  bhttp::async_read_header(stream_.socket(), buffer_, *parser_,
                           beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t bytes) {
  if (ec) return on_read(ec, bytes);
  const auto& header = parser_->get();
  std::string_view target = header.target();
  body_limit_ = state_->router.body_limit(header.method_string(), target.substr(0, target.find('?')));
  // A Content-Length over the route's limit is refused now, its body unread; a chunked body
  // is counted against the limit as it arrives.
  if (auto length = parser_->content_length(); length && *length > body_limit_) return on_read(bhttp::error::body_limit, 0);
  parser_->body_limit(body_limit_);
  bhttp::async_read(stream_.socket(), buffer_, *parser_,
                    beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  // No deadline while the request is handled (a handler may wait for the database).
  deadline_ = std::chrono::steady_clock::time_point::max();
  if (closed_ || ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted) {
    return close_socket();
  }
  started_ = std::chrono::steady_clock::now();
  log_remote_ = peer_;
  route_ = "unmatched";
  if (ec == bhttp::error::header_limit) {
    log_method_ = "-", log_path_ = "-";
    keep_alive_ = false;
    busy_ = true;
    return respond(http::Response::error(ApiError(431, "headers_too_large", "Request headers exceed 8 KiB")));
  }
  if (ec == bhttp::error::body_limit) {
    log_method_ = std::string(parser_->get().method_string());
    log_path_ = std::string(parser_->get().target().substr(0, parser_->get().target().find('?')));
    // Also when the parser refused the length before on_header ran: name the route's limit.
    body_limit_ = state_->router.body_limit(log_method_, log_path_);
    keep_alive_ = false;
    busy_ = true;
    return respond(http::Response::error(
        ApiError(413, "body_too_large", "Request body exceeds " + std::to_string(body_limit_ / 1024) + " KiB")));
  }
  if (ec) {
    // Malformed HTTP: answer 400 once, then close.
    log_method_ = "-", log_path_ = "-";
    keep_alive_ = false;
    busy_ = true;
    return respond(http::Response::error(ApiError::bad_request("Malformed HTTP request")));
  }
  if (auto error = framing_error(parser_->get())) {
    log_method_ = std::string(parser_->get().method_string());
    log_path_ = std::string(parser_->get().target().substr(0, parser_->get().target().find('?')));
    version_ = parser_->get().version();
    keep_alive_ = false;
    busy_ = true;
    return respond(http::Response::error(*error));
  }
  busy_ = true;
  if (serve_static(parser_->get())) return;
  dispatch(parser_->release());
}

// GET or HEAD of an embedded asset (that no route claims): its pre-serialized response,
// written straight to the socket. The same headers, 304 and HEAD handling, access line and
// metrics as any response.
bool HttpSession::serve_static(const bhttp::request<bhttp::string_body>& req) {
  bhttp::verb method = req.method();
  if (method != bhttp::verb::get && method != bhttp::verb::head) return false;
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  const StaticFiles::Entry* entry = state_->static_files.find(path);
  if (!entry || websocket::is_upgrade(req) || state_->router.matches_path(path)) return false;

  keep_alive_ = keep_alive_ && req.keep_alive() && !state_->stopping;
  version_ = req.version();
  head_ = method == bhttp::verb::head;
  std::string_view accept_encoding = req[bhttp::field::accept_encoding];
  if (accept_encoding != accept_encoding_) {
    accept_encoding_.assign(accept_encoding);
    accepts_gzip_ = assets::accepts_gzip(accept_encoding);
  }
  StaticFiles::Conditions conditions;
  conditions.if_none_match = req[bhttp::field::if_none_match];
  conditions.gzip = accepts_gzip_;
  conditions.head = head_;
  conditions.version = version_;
  conditions.keep_alive = keep_alive_;
  date_line_.assign(http_date_line());
  conditions.date_line = date_line_;
  StaticFiles::Answer answer = state_->static_files.answer(*entry, conditions, status_line_);

  route_ = "static";
  if (peer_trusted_) {
    log_access(req.method_string(), path, answer.status, answer.body_bytes,
               client_address(peer_, req["X-Forwarded-For"], *state_), started_);
  } else {
    log_access(req.method_string(), path, answer.status, answer.body_bytes, peer_, started_);
  }
  if (state_->stats.on_response) state_->stats.on_response(route_, answer.status);

  bool close = !keep_alive_;
  set_deadline(started_ + kHttpReadTimeout);
  auto handler = [self = shared_from_this(), close](beast::error_code ec, std::size_t) { self->on_write(close, ec); };
  for (std::size_t i = 0; i < static_buffers_.size(); ++i) {
    static_buffers_[i] = i < answer.part_count ? asio::const_buffer(answer.parts[i].data(), answer.parts[i].size())
                                               : asio::const_buffer();
  }
  asio::async_write(stream_.socket(), static_buffers_, std::move(handler));
  return true;
}

void HttpSession::dispatch(bhttp::request<bhttp::string_body>&& req) {
  keep_alive_ = keep_alive_ && req.keep_alive();
  version_ = req.version();
  head_ = req.method() == bhttp::verb::head;
  http::Request request = to_request(req, peer_, peer_trusted_, *state_);
  log_method_ = request.method;
  log_path_ = request.path;
  log_remote_ = request.remote_address;

  if (websocket::is_upgrade(req)) {
    if (request.path != "/ws") return respond(http::Response::error(ApiError::not_found()));
    route_ = "/ws";
    return upgrade(std::move(req), request);
  }

  const http::Handler* handler = nullptr;
  const std::string* pattern = nullptr;
  switch (state_->router.match(request, &handler, &pattern)) {
    case http::Router::Match::found: {
      route_ = *pattern;
      auto self = shared_from_this();
      auto executor = stream_.get_executor();
      try {
        (*handler)(request, [self, executor](http::Response response) {
          asio::post(executor, [self, response = std::move(response)]() mutable { self->respond(std::move(response)); });
        });
      } catch (const ApiError& e) {
        respond(http::Response::error(e));
      } catch (const std::exception& e) {
        spdlog::error("handler for {} {} failed: {}", request.method, loggable_path(request.path), e.what());
        respond(http::Response::error(ApiError::internal()));
      }
      return;
    }
    case http::Router::Match::wrong_method:
      return respond(http::Response::error(ApiError(405, "method_not_allowed", "Method not allowed")));
    case http::Router::Match::none:
      break;
  }
  // Embedded assets were answered by serve_static(): no route claims their paths.
  respond(http::Response::error(ApiError::not_found()));
}

void HttpSession::upgrade(bhttp::request<bhttp::string_body>&& req, const http::Request& request) {
  auto self = shared_from_this();
  auto shared_req = std::make_shared<bhttp::request<bhttp::string_body>>(std::move(req));
  auto executor = stream_.get_executor();
  state_->upgrade(request, [self, shared_req, executor](UpgradeResult result) {
    asio::post(executor, [self, shared_req, result = std::move(result)]() mutable {
      if (!result.ok()) return self->respond(http::Response::error(result.error()));
      log_access(self->log_method_, self->log_path_, 101, 0, self->log_remote_, self->started_);
      if (self->state_->stats.on_response) self->state_->stats.on_response(self->route_, 101);
      self->upgraded_ = true;
      self->timer_.cancel();
      self->stream_.expires_never();
      self->state_->untrack(self.get());
      auto ws = std::make_shared<WsSession>(std::move(self->stream_), self->state_, std::move(result.value()));
      ws->run(std::move(*shared_req));
    });
  });
}

void HttpSession::respond(http::Response&& response) {
  std::size_t bytes = response.static_body.empty() ? response.body.size() : response.static_body.size();
  log_access(log_method_, log_path_, response.status, bytes, log_remote_, started_);
  if (state_->stats.on_response) state_->stats.on_response(route_, response.status);
  if (state_->stopping) keep_alive_ = false;

  auto fill = [&](auto& res) {
    res.version(version_);
    res.keep_alive(keep_alive_);
    res.set(bhttp::field::server, "Parley");
    res.set(bhttp::field::date, http_date());
    res.set("X-Content-Type-Options", "nosniff");
    if (!response.content_type.empty()) res.set(bhttp::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res.set(k, v);
    res.content_length(bytes);
  };
  bool close = !keep_alive_;
  auto self = shared_from_this();
  set_deadline(std::chrono::steady_clock::now() + kHttpReadTimeout);
  if (!response.static_body.empty() && response.status != 304) {
    auto res = std::make_shared<bhttp::response<bhttp::span_body<const char>>>(
        static_cast<bhttp::status>(response.status), version_);
    res->body() = boost::beast::span<const char>(response.static_body.data(), response.static_body.size());
    fill(*res);
    if (head_) res->body() = {};  // Content-Length still says what GET would send
    bhttp::async_write(stream_.socket(), *res,
                       [self, res, close](beast::error_code ec, std::size_t) { self->on_write(close, ec); });
  } else {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(response.status), version_);
    if (response.status == 304) bytes = 0;
    res->body() = head_ ? std::string() : std::move(response.body);
    fill(*res);
    if (response.status == 304 || response.status == 204) res->erase(bhttp::field::content_length);
    bhttp::async_write(stream_.socket(), *res,
                       [self, res, close](beast::error_code ec, std::size_t) { self->on_write(close, ec); });
  }
}

void HttpSession::on_write(bool close, beast::error_code ec) {
  busy_ = false;
  if (ec || close || closed_) return close_socket();
  do_read();
}

void HttpSession::close_socket() {
  closed_ = true;
  deadline_ = std::chrono::steady_clock::time_point::max();
  if (timer_armed_) timer_.cancel();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

}  // namespace parley::net
