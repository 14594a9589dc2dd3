#pragma once
#include <deque>

#include "shared_state.hpp"

namespace parley::net {

// One WebSocket. Reads frames into the domain's FrameHandler; writes what the domain
// sends, one at a time, from a bounded queue: a client that stops reading is closed
// ("client too slow") instead of growing our memory.
//
// Most sockets are idle most of the time, so what an idle one holds is kept small (issue #7):
// the WebSocket sits directly on the TCP socket (its own timers do the handshake, idle and
// keep-alive timeouts), the pending read of an idle socket is a one-byte read whose handler
// memory is sized exactly, and the read buffer and send queue exist only while in use.
class WsSession : public link::ClientLink, public Stoppable, public std::enable_shared_from_this<WsSession> {
 public:
  // Takes the socket out of `stream` (whose timeouts the WebSocket's own replace), on the
  // same strand.
  WsSession(beast::tcp_stream&& stream, std::shared_ptr<SharedState> state, std::shared_ptr<link::FrameHandler> handler);
  ~WsSession() override;

  void run(bhttp::request<bhttp::string_body>&& upgrade_request);

  void send(link::Frame frame) override;
  void send_many(std::vector<link::Frame> frames) override;  // one hop to the strand for all
  void close(int code, std::string reason) override;
  void post(std::function<void()> fn) override;
  void shutdown() override { close(1001, "going away"); }

 private:
  // The socket names its strand type: a type-erased executor (any_io_executor, 56 bytes) is
  // copied into every pending operation, twice in an executor_work_guard (120 bytes).
  using Strand = asio::strand<asio::io_context::executor_type>;
  using Socket = asio::basic_stream_socket<tcp, Strand>;
  // permessage-deflate is never negotiated: without its support compiled in, the stream
  // carries no deflate state.
  using Stream = websocket::stream<Socket, /*deflateSupported=*/false>;

  static Socket adopt(beast::tcp_stream&& stream);
  using Queue = std::deque<link::Frame>;

  void on_accept(beast::error_code ec);
  void do_read();
  void on_first_byte(beast::error_code ec, std::size_t bytes);
  void on_read(beast::error_code ec, std::size_t);
  void enqueue(link::Frame frame);
  void do_write();
  void on_write(beast::error_code ec, std::size_t);
  void start_close(websocket::close_reason reason);
  void drop_unsent();
  void finish();
  std::size_t queued_frames() const { return queue_ ? queue_->size() : 0; }

  Stream ws_;
  beast::flat_buffer buffer_;  // the message being read; no allocation between messages
  char first_byte_ = 0;        // where the idle read puts the first byte of the next message
  std::shared_ptr<SharedState> state_;
  std::shared_ptr<link::FrameHandler> handler_;
  // Frames to write, the front one in flight while writing_. Made on the first send and
  // dropped once drained: an empty std::deque still allocates ~600 bytes.
  std::unique_ptr<Queue> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool open_ = false;
  bool closing_ = false;
  bool finished_ = false;
  std::unique_ptr<websocket::close_reason> pending_close_;  // a close_reason is ~130 bytes
  std::optional<WsCloseReason> close_reason_;  // the first known cause wins; counted in finish()
  void note_close(WsCloseReason r) {
    if (!close_reason_) close_reason_ = r;
  }
  bool server_closed_ = false;  // counted once, when the server decides to close
  void note_server_close(link::ServerClose reason, int code, std::string_view text);
};

}  // namespace parley::net
