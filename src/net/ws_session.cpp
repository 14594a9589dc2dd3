#include "ws_session.hpp"

#include <spdlog/spdlog.h>

namespace parley::net {
namespace {

// How a close code is counted: deliberate ends are "normal", protocol trouble is "error".
WsCloseReason reason_for_code(unsigned code) {
  switch (code) {
    case 1000:  // normal
    case 1005:  // no code given
    case 4001:  // Parley ended the agent's session (logout, password change)
      return WsCloseReason::normal;
    case 1001:
      return WsCloseReason::going_away;
    case 1009:
      return WsCloseReason::too_big;
    default:
      return WsCloseReason::error;
  }
}

// Asio keeps a per-thread cache of freed handler blocks (up to 2 KiB each) and gives one to
// the next operation that fits, whatever its size: the read that waits on an idle socket would
// then hold a block sized for the handshake's write, and so would the WebSocket's idle timer
// when it finds such a block there. Our operations ask for exactly their own size instead, so
// they neither hold nor leave behind oversized blocks.
template <class T>
struct ExactAllocator {
  using value_type = T;
  ExactAllocator() = default;
  template <class U>
  ExactAllocator(const ExactAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
  template <class U>
  bool operator==(const ExactAllocator<U>&) const noexcept {
    return true;
  }
};

template <class Handler>
auto exact(Handler&& handler) {
  return asio::bind_allocator(ExactAllocator<void>{}, std::forward<Handler>(handler));
}

}  // namespace

WsSession::Socket WsSession::adopt(beast::tcp_stream&& stream) {
  tcp::socket socket = stream.release_socket();
  auto executor = socket.get_executor();
  // The server gives each connection a strand of its io_context (server.cpp); keep it.
  const Strand* strand = executor.target<Strand>();
  Strand own = strand ? *strand
                      : asio::make_strand(static_cast<asio::io_context&>(asio::query(executor, asio::execution::context)));
  beast::error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  auto fd = ec ? Socket::native_handle_type(-1) : socket.release(ec);
  if (ec) {  // already gone: the handshake fails on the closed socket
    spdlog::debug("upgraded socket could not be adopted: {}", ec.message());
    return Socket(own);
  }
  return Socket(own, protocol, fd);
}

WsSession::WsSession(beast::tcp_stream&& stream, std::shared_ptr<SharedState> state,
                     std::shared_ptr<link::FrameHandler> handler)
    : ws_(adopt(std::move(stream))), state_(std::move(state)), handler_(std::move(handler)) {
  state_->stats.ws_connections.fetch_add(1);
}

WsSession::~WsSession() {
  state_->stats.ws_connections.fetch_sub(1);
  state_->untrack(this);
}

void WsSession::run(bhttp::request<bhttp::string_body>&& upgrade_request) {
  state_->track(this, std::weak_ptr<Stoppable>(shared_from_this()));
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = kWsIdleTimeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(bhttp::field::server, "Parley"); }));
  ws_.read_message_max(kWsMessageLimit);
  // Each message goes out as one frame, straight from the shared buffer: with fragmenting
  // on, Beast would keep a 4 KiB write buffer per socket for the socket's whole life.
  ws_.auto_fragment(false);
  auto req = std::make_shared<bhttp::request<bhttp::string_body>>(std::move(upgrade_request));
  ws_.async_accept(*req, exact([self = shared_from_this(), req](beast::error_code ec) { self->on_accept(ec); }));
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) {
    note_close(WsCloseReason::error);
    note_server_close(link::ServerClose::handshake_failed, 0, ec.message());
    return finish();
  }
  open_ = true;
  handler_->on_open(std::weak_ptr<link::ClientLink>(shared_from_this()));
  if (state_->stopping) return start_close({websocket::close_code::going_away, "going away"});
  do_read();
}

// Between messages the pending read asks for one byte: Beast still reads from the socket into
// its own frame buffer, answers pings and enforces the timeouts and the size limit, but there
// is no message buffer to hold. Once a message begins, the rest of it is read into buffer_.
void WsSession::do_read() {
  // The handler holds only `self`: it is part of what every idle socket keeps.
  ws_.async_read_some(asio::mutable_buffer(&first_byte_, 1),
                      exact([self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_first_byte(ec, n); }));
}

void WsSession::on_first_byte(beast::error_code ec, std::size_t bytes) {
  if (ec) return on_read(ec, 0);
  buffer_.commit(asio::buffer_copy(buffer_.prepare(bytes), asio::buffer(&first_byte_, bytes)));
  if (ws_.is_message_done()) return on_read(ec, buffer_.size());
  ws_.async_read(buffer_, exact(beast::bind_front_handler(&WsSession::on_read, shared_from_this())));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == websocket::error::message_too_big) {
    note_close(WsCloseReason::too_big);
    note_server_close(link::ServerClose::too_big, 1009, "too big");
    buffer_.clear();
    // Beast has already begun the close handshake with 1009 "too big".
    return finish();
  }
  if (ec == websocket::error::closed) note_close(reason_for_code(ws_.reason().code));
  // The idle timeout: no answer to our keep-alive ping (Beast pings at half of it).
  if (ec == beast::error::timeout) note_server_close(link::ServerClose::ping_timeout, 0, "");
  // Beast answers a protocol violation with close 1002 itself.
  if (ec == websocket::condition::protocol_violation) note_server_close(link::ServerClose::protocol_error, 1002, ec.message());
  if (ec) {
    note_close(WsCloseReason::error);
    return finish();
  }
  if (!ws_.got_text()) {
    buffer_.clear();
    buffer_.shrink_to_fit();
    return start_close({websocket::close_code::unknown_data, "text frames only"});
  }
  std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  if (!closing_) handler_->on_frame(text);
  // An idle socket keeps no read buffer.
  buffer_.clear();
  buffer_.shrink_to_fit();
  do_read();
}

void WsSession::send(link::Frame frame) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->enqueue(std::move(frame));
  });
}

void WsSession::send_many(std::vector<link::Frame> frames) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frames = std::move(frames)]() mutable {
    for (auto& f : frames) self->enqueue(std::move(f));
  });
}

void WsSession::enqueue(link::Frame frame) {
  if (!open_ || closing_) return;
  if (queued_frames() >= kWsSendQueueFrames || queued_bytes_ + frame->size() > kWsSendQueueBytes) {
    note_close(WsCloseReason::too_slow);
    note_server_close(link::ServerClose::too_slow, 0, std::to_string(queued_frames()) + " frames queued");
    // It is not reading, so a polite close would wait behind the queue: cut it.
    drop_unsent();
    closing_ = true;
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    return;
  }
  if (!queue_) queue_ = std::make_unique<Queue>();
  queued_bytes_ += frame->size();
  queue_->push_back(std::move(frame));
  if (!writing_) do_write();
}

void WsSession::do_write() {
  if (queued_frames() == 0) {
    writing_ = false;
    queue_.reset();
    if (pending_close_) {
      auto reason = std::move(pending_close_);
      start_close(*reason);
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  const auto& front = queue_->front();
  ws_.async_write(asio::buffer(*front), exact(beast::bind_front_handler(&WsSession::on_write, shared_from_this())));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    writing_ = false;
    note_close(WsCloseReason::error);
    return finish();
  }
  queued_bytes_ -= queue_->front()->size();
  queue_->pop_front();
  if (finished_ || (closing_ && !pending_close_)) {  // gone, or cut as too slow: write no more
    writing_ = false;
    drop_unsent();
    return;
  }
  do_write();
}

void WsSession::drop_unsent() {
  if (!queue_) return;
  // The frame being written must outlive its async_write: keep the front while writing.
  auto keep = writing_ && !queue_->empty() ? queue_->begin() + 1 : queue_->begin();
  for (auto it = keep; it != queue_->end(); ++it) queued_bytes_ -= (*it)->size();
  queue_->erase(keep, queue_->end());
  if (queue_->empty()) queue_.reset();
}

void WsSession::close(int code, std::string reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    self->start_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason));
  });
}

void WsSession::post(std::function<void()> fn) { asio::post(ws_.get_executor(), std::move(fn)); }

void WsSession::start_close(websocket::close_reason reason) {
  if (!open_ || closing_ || pending_close_) return;
  note_close(reason_for_code(reason.code));
  note_server_close(link::server_close_for(reason.code, std::string_view(reason.reason.data(), reason.reason.size())),
                    reason.code, std::string_view(reason.reason.data(), reason.reason.size()));
  if (writing_) {  // one write at a time: close after the queue drains
    pending_close_ = std::make_unique<websocket::close_reason>(reason);
    return;
  }
  closing_ = true;
  ws_.async_close(reason, exact([self = shared_from_this()](beast::error_code) { self->finish(); }));
}

void WsSession::note_server_close(link::ServerClose reason, int code, std::string_view text) {
  if (server_closed_) return;
  server_closed_ = true;
  state_->stats.ws_server_closes[static_cast<std::size_t>(reason)].fetch_add(1);
  state_->close_log->note(reason, code, text, ws_.get_executor());
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  open_ = false;
  state_->stats.ws_closes[static_cast<std::size_t>(close_reason_.value_or(WsCloseReason::error))].fetch_add(1);
  drop_unsent();
  handler_->on_close();
}

}  // namespace parley::net
