#include "close_log.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <string>

namespace parley::net {

void CloseLog::note(link::ServerClose reason, int code, std::string_view text,
                    const boost::asio::any_io_executor& executor) {
  spdlog::debug("WebSocket closed by the server: {} ({} {})", link::to_string(reason), code, text);
  {
    std::lock_guard lock(mutex_);
    if (window_open_) {
      ++pending_[static_cast<std::size_t>(reason)];
      return;
    }
    window_open_ = true;
  }
  // A client too slow to read is worth a warning (written at once); the other reasons are the
  // protocol working as designed.
  // Formatted by fmt, not by string concatenation (gcc 12 -O3 reports a false
  // -Wstringop-overflow on `" " + std::to_string(...)`, which fails the Release build).
  auto level = reason == link::ServerClose::too_slow ? spdlog::level::warn : spdlog::level::info;
  if (code) {
    spdlog::log(level, "WebSocket closed by the server: {} {}{}{}", link::to_string(reason), code, text.empty() ? "" : " ", text);
  } else {
    spdlog::log(level, "WebSocket closed by the server: {}{}{}", link::to_string(reason), text.empty() ? "" : " ", text);
  }
  flush(executor);  // arms the window's timer
}

// At the end of a window: one line for what it counted, and another window while closes keep
// coming; none, and the next close is logged at once again.
void CloseLog::flush(const boost::asio::any_io_executor& executor) {
  auto timer = std::make_shared<boost::asio::steady_timer>(executor, kWindow);
  timer->async_wait([self = shared_from_this(), timer, executor](boost::system::error_code ec) {
    std::array<std::uint64_t, link::kServerCloseReasons> counted{};
    {
      std::lock_guard lock(self->mutex_);
      counted = std::exchange(self->pending_, {});
      std::uint64_t total = 0;
      for (auto n : counted) total += n;
      if (total == 0 || ec) {
        self->window_open_ = false;
        return;
      }
    }
    std::string line;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < counted.size(); ++i) {
      if (!counted[i]) continue;
      total += counted[i];
      if (!line.empty()) line.append(", ");
      line.append(link::kServerCloseLabels[i]).append(" ").append(std::to_string(counted[i]));
    }
    spdlog::info("{} more WebSockets closed by the server in the last {} s: {}", total,
                 std::chrono::duration_cast<std::chrono::seconds>(kWindow).count(), line);
    self->flush(executor);
  });
}

}  // namespace parley::net
