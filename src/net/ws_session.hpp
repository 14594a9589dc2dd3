#pragma once
#include <deque>

#include "shared_state.hpp"

namespace parley::net {

// One WebSocket. Reads frames into the domain's FrameHandler; writes what the domain
// sends, one at a time, from a bounded queue: a client that stops reading is closed
// ("client too slow") instead of growing our memory.
class WsSession : public chat::ClientLink, public Stoppable, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream&& stream, std::shared_ptr<SharedState> state, std::shared_ptr<chat::FrameHandler> handler);
  ~WsSession() override;

  void run(bhttp::request<bhttp::string_body>&& upgrade_request);

  void send(chat::Frame frame) override;
  void close(int code, std::string reason) override;
  void post(std::function<void()> fn) override;
  void shutdown() override { close(1001, "going away"); }

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t);
  void enqueue(chat::Frame frame);
  void do_write();
  void on_write(beast::error_code ec, std::size_t);
  void start_close(websocket::close_reason reason);
  void drop_unsent();
  void finish();

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<SharedState> state_;
  std::shared_ptr<chat::FrameHandler> handler_;
  std::deque<chat::Frame> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool open_ = false;
  bool closing_ = false;
  bool finished_ = false;
  std::optional<websocket::close_reason> pending_close_;
  std::optional<WsCloseReason> close_reason_;  // the first known cause wins; counted in finish()
  void note_close(WsCloseReason r) {
    if (!close_reason_) close_reason_ = r;
  }
};

}  // namespace parley::net
