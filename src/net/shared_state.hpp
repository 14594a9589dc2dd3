#pragma once
// What every connection of one Server shares. Private to src/net.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <mutex>
#include <unordered_map>

#include "parley/net/address_set.hpp"
#include "parley/net/server.hpp"
#include "close_log.hpp"
#include "static_files.hpp"

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

inline constexpr std::size_t kHeaderLimit = 8 * 1024;
inline constexpr std::size_t kWsMessageLimit = 64 * 1024;
inline constexpr auto kHttpReadTimeout = std::chrono::seconds(20);
// A WebSocket with no traffic is pinged at half this and dropped at the full interval.
inline constexpr auto kWsIdleTimeout = std::chrono::seconds(40);
// Frames: an agent receives every message, and a group-commit batch (up to 1,000 messages)
// reaches its queue at once; 1,024 cut healthy agents under load. The byte limit is the
// memory bound that matters.
inline constexpr std::size_t kWsSendQueueFrames = 4096;
inline constexpr std::size_t kWsSendQueueBytes = 1024 * 1024;

// Something the server can ask to wind down when it stops.
class Stoppable {
 public:
  virtual ~Stoppable() = default;
  virtual void shutdown() = 0;  // thread-safe
};

struct SharedState {
  SharedState(const Config& c, http::Router& r, UpgradeHandler u)
      : config(c), router(r), upgrade(std::move(u)), static_files(c) {}

  const Config& config;
  http::Router& router;
  UpgradeHandler upgrade;
  ServerStats stats;
  AddressSet trusted_proxies;
  std::atomic<bool> stopping{false};
  const StaticFiles static_files;  // the embedded assets' responses, serialized once
  const std::shared_ptr<CloseLog> close_log = std::make_shared<CloseLog>();

  std::mutex sessions_mutex;
  std::unordered_map<const void*, std::weak_ptr<Stoppable>> sessions;

  void track(const void* key, std::weak_ptr<Stoppable> s) {
    std::lock_guard lock(sessions_mutex);
    sessions[key] = std::move(s);
  }
  void untrack(const void* key) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(key);
  }
};

// Fills the transport-independent request, honouring X-Forwarded-* only when the peer (its
// address normalized, see AddressSet::normalize) is a trusted proxy.
http::Request to_request(const bhttp::request<bhttp::string_body>& req, const std::string& peer, bool peer_trusted,
                         const SharedState& state);

// The client behind a trusted proxy `peer`, from its X-Forwarded-For value.
std::string client_address(const std::string& peer, std::string_view forwarded_for, const SharedState& state);

// The path as logs may show it: a token carried in the path (/csat/<token>) is replaced.
std::string loggable_path(std::string_view path);

// Logs one access line: never the query string, a header value or a body, nor a path's token.
void log_access(std::string_view method, std::string_view path, int status, std::size_t bytes, std::string_view remote,
                std::chrono::steady_clock::time_point started);

}  // namespace parley::net
