#pragma once
// Why the server closed a WebSocket. The domain closes with a code and a reason text (those
// below); the transport closes on its own for a few more (a client too slow, a frame too big,
// no pong); each is counted by reason (parley_websocket_server_closes_total) and logged, so
// an operator can tell a reconnect storm's timeouts from slow clients or a deploy.
#include <array>
#include <cstddef>
#include <string_view>

namespace parley::link {

// The reason texts the domain closes with (their code is in the comment).
inline constexpr std::string_view kAuthTimedOut = "authentication timed out";            // 1008
inline constexpr std::string_view kAuthenticateFirst = "authenticate first";             // 1008
inline constexpr std::string_view kTokenRequired = "visitorToken required";              // 1008
inline constexpr std::string_view kTooManyBeforeReady = "too many frames before ready";  // 1008

enum class ServerClose {
  auth_timeout,      // no `auth` within 10–20 s of opening
  auth_required,     // something else than `auth` first, or `auth` without a token
  auth_failed,       // an unknown visitor token (4401)
  auth_unavailable,  // the token could not be looked up: database away or overloaded (1011)
  too_many_frames,   // more than 32 frames between `auth` and `ready`
  session_ended,     // the agent's session ended: logout, password change, disabled (4001)
  shutdown,          // the server is stopping (1001)
  too_slow,          // the send queue passed its limit: the client does not read
  too_big,           // a frame over the size limit (1009)
  ping_timeout,      // no answer to the keep-alive ping within the idle timeout
  protocol_error,    // a binary frame (1003) or a WebSocket protocol violation (1002)
  handshake_failed,  // the upgrade did not complete (timeout, bad request)
  other,             // any other code
};
inline constexpr std::size_t kServerCloseReasons = 13;

inline constexpr std::array<std::string_view, kServerCloseReasons> kServerCloseLabels = {
    "auth_timeout",   "auth_required",    "auth_failed", "auth_unavailable", "too_many_frames",
    "session_ended",  "shutdown",         "too_slow",    "too_big",          "ping_timeout",
    "protocol_error", "handshake_failed", "other"};

inline std::string_view to_string(ServerClose reason) {
  return kServerCloseLabels[static_cast<std::size_t>(reason)];
}

// The reason of a close the server begins with `code` and `reason`.
inline ServerClose server_close_for(int code, std::string_view reason) {
  switch (code) {
    case 1001:
      return ServerClose::shutdown;
    case 1002:
    case 1003:
      return ServerClose::protocol_error;
    case 1008:
      if (reason == kAuthTimedOut) return ServerClose::auth_timeout;
      if (reason == kTooManyBeforeReady) return ServerClose::too_many_frames;
      if (reason == kAuthenticateFirst || reason == kTokenRequired) return ServerClose::auth_required;
      return ServerClose::other;
    case 1009:
      return ServerClose::too_big;
    case 1011:
      return ServerClose::auth_unavailable;
    case 4001:
      return ServerClose::session_ended;
    case 4401:
      return ServerClose::auth_failed;
    default:
      return ServerClose::other;
  }
}

}  // namespace parley::link
