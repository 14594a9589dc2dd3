#pragma once
// Latency per window of a relay run (`--window SECONDS`): message k belongs to the window of
// its *intended* send time, so a stall shows in the window where the messages were due, not
// where they finally arrived. A window's line is printed once every message of it is acked and
// delivered, or `grace` after its last message was due (a later arrival then counts in the
// final summary only, and the line shows the shortfall in "delivered"/"acked").
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "latency.hpp"

namespace loadgen {

class RelayWindows {
 public:
  // `first` is the index of the first measured message, `per_window` messages per window
  // (seconds × rate), `count` measured messages in all.
  RelayWindows(double seconds, std::uint64_t first, std::uint64_t per_window, std::uint64_t count);

  bool enabled() const { return per_window_ > 0; }
  std::uint64_t per_window() const { return per_window_; }
  void on_sent(std::uint64_t k);
  void on_ack(std::uint64_t k, std::int64_t latency_ns);
  void on_delivered(std::uint64_t k, std::int64_t latency_ns);

  // Prints (one JSON line each, in order) the windows that are finished: complete, or
  // `grace_ns` past their end, or all of them when `all`. `window_start` gives a window's
  // intended start (monotonic ns); `wall_offset_ns` turns that into Unix time.
  template <typename StartOf>
  void flush(std::ostream& out, std::int64_t now, std::int64_t grace_ns, bool all, std::int64_t wall_offset_ns,
             StartOf window_start);

 private:
  struct Window {
    std::uint64_t sent = 0, acked = 0, delivered = 0;
    Latency delivery, ack;
  };
  std::size_t index(std::uint64_t k) const { return static_cast<std::size_t>((k - first_) / per_window_); }
  bool in_range(std::uint64_t k) const { return per_window_ > 0 && k >= first_ && k - first_ < count_; }
  std::uint64_t size_of(std::size_t w) const;
  nlohmann::json line(std::size_t w, std::int64_t start_ns, std::int64_t wall_offset_ns);

  double seconds_;
  std::uint64_t first_, per_window_, count_;
  std::vector<Window> windows_;
  std::size_t next_ = 0;  // the first window not printed yet
};

template <typename StartOf>
void RelayWindows::flush(std::ostream& out, std::int64_t now, std::int64_t grace_ns, bool all,
                         std::int64_t wall_offset_ns, StartOf window_start) {
  while (next_ < windows_.size()) {
    const auto& w = windows_[next_];
    auto size = size_of(next_);
    bool complete = w.sent == size && w.acked == size && w.delivered == size;
    bool overdue = now >= window_start(next_ + 1) + grace_ns;
    if (!all && !complete && !overdue) break;
    out << line(next_, window_start(next_), wall_offset_ns).dump() << '\n';
    ++next_;
  }
  out.flush();
}

}  // namespace loadgen
