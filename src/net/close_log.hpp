#pragma once
// Logging the WebSockets the server closes, without flooding: the first close after a quiet
// spell is logged at once (info); those that follow within kWindow are counted and logged as
// one summary line per window, by reason, for as long as they keep coming. Each close is also
// logged at debug. Private to src/net.
#include <boost/asio/any_io_executor.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "parley/link/close_reasons.hpp"

namespace parley::net {

class CloseLog : public std::enable_shared_from_this<CloseLog> {
 public:
  static constexpr auto kWindow = std::chrono::seconds(10);

  // Thread-safe. `executor` runs the summary's timer (any of the server's).
  void note(link::ServerClose reason, int code, std::string_view text, const boost::asio::any_io_executor& executor);

 private:
  void flush(const boost::asio::any_io_executor& executor);

  std::mutex mutex_;
  std::array<std::uint64_t, link::kServerCloseReasons> pending_{};  // since the last line
  bool window_open_ = false;                                        // a summary is due at the end of the current window
};

}  // namespace parley::net
