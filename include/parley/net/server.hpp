#pragma once
// The HTTP/WebSocket server: listener, sessions and threads. Transport only: requests go
// to the Router, WebSocket upgrades to the UpgradeHandler, which decides who is talking.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "parley/link/client_link.hpp"
#include "parley/link/close_reasons.hpp"
#include "parley/config/config.hpp"
#include "parley/core/outcome.hpp"
#include "parley/net/router.hpp"

namespace parley::net {

// Decides whether a /ws upgrade is accepted: a handler for the new socket, or an error
// answered as an HTTP response. May answer later, from any thread.
using UpgradeResult = Outcome<std::shared_ptr<link::FrameHandler>>;
using UpgradeHandler = std::function<void(const http::Request&, std::function<void(UpgradeResult)>)>;

// Why a WebSocket ended, as counted by the metrics.
enum class WsCloseReason { normal, going_away, too_big, too_slow, error };
inline constexpr std::size_t kWsCloseReasons = 5;
const char* to_string(WsCloseReason reason);

struct ServerStats {
  std::atomic<std::int64_t> http_connections{0};
  std::atomic<std::int64_t> ws_connections{0};
  std::atomic<std::uint64_t> ws_closes[kWsCloseReasons] = {};  // indexed by WsCloseReason
  // The WebSockets the server closed (a subset of the above), indexed by link::ServerClose.
  std::atomic<std::uint64_t> ws_server_closes[link::kServerCloseReasons] = {};
  // Called once per HTTP response (and per accepted upgrade, status 101) on the connection's
  // thread with the route pattern, "static" for assets, or "unmatched". Set before run().
  std::function<void(std::string_view route, int status)> on_response;

  std::uint64_t ws_closed(WsCloseReason r) const { return ws_closes[static_cast<std::size_t>(r)].load(); }
};

class Server {
 public:
  Server(const Config& config, http::Router& router, UpgradeHandler upgrade);
  ~Server();

  // Binds; returns the port actually bound (for port 0).
  std::uint16_t bind();
  // Runs the I/O threads until stop() completes. Blocks.
  void run();
  // Closes the listening socket: no new connection; open ones go on. Thread-safe.
  void stop_accepting();
  // Stops accepting, closes WebSockets with 1001 "going away" (after what was queued on them),
  // lets in-flight HTTP finish, then ends run(). Thread-safe; returns at once.
  void stop();

  const ServerStats& stats() const;
  ServerStats& stats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::net
