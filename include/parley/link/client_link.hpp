#pragma once
// The seam between the transport and the domain for one WebSocket. The transport
// implements ClientLink; the domain implements FrameHandler. Neither sees the other's
// types: the chat code never includes Beast.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::link {

using Frame = std::shared_ptr<const std::string>;

class ClientLink {
 public:
  virtual ~ClientLink() = default;
  // Thread-safe. The same immutable frame may be handed to many links.
  virtual void send(Frame frame) = 0;
  // Thread-safe; the frames are written in order. A transport that can hand them over in one
  // step (one hop to its strand) overrides this; it pays off when a page of events is delivered.
  virtual void send_many(std::vector<Frame> frames) {
    for (auto& f : frames) send(std::move(f));
  }
  // Thread-safe; frames queued before it are still written.
  virtual void close(int code, std::string reason) = 0;
  // Runs `fn` on this connection's strand, after what is already queued there.
  virtual void post(std::function<void()> fn) = 0;
};

class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  virtual void on_open(std::weak_ptr<ClientLink> link) = 0;
  virtual void on_frame(std::string_view text) = 0;  // on the connection's strand
  virtual void on_close() = 0;
};

inline Frame make_frame(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

}  // namespace parley::link
