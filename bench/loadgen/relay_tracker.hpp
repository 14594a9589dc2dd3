#pragma once
// Book-keeping of one relay run: message k is due at start + k/rate (its *intended* send
// time, so a stalled server or a late generator cannot hide queueing), is acknowledged to
// its visitor, and is delivered to every agent. Latencies are kept for the measured
// window only (k >= warm-up count).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "latency.hpp"
#include "relay_windows.hpp"

namespace loadgen {

class RelayTracker {
 public:
  // window_seconds > 0: latency is also kept per window of that many seconds (relay_windows.hpp).
  RelayTracker(double rate, std::uint64_t warm, std::uint64_t measured, std::size_t agents, double window_seconds = 0);

  void start(std::int64_t t0_ns) { t0_ = t0_ns; }
  std::int64_t intended_ns(std::uint64_t k) const {
    return t0_ + static_cast<std::int64_t>(static_cast<long double>(k) * 1e9L / rate_);
  }
  std::uint64_t total() const { return warm_ + measured_; }
  bool is_measured(std::uint64_t k) const { return k >= warm_; }

  void on_sent(std::uint64_t k, std::int64_t now);
  void on_ack(std::uint64_t k, std::int64_t now);
  void on_delivered(std::size_t agent, std::uint64_t k, std::int64_t now);
  void on_error(std::string_view frame);
  void on_closed(const std::string& why);

  // Everything measured is acked and delivered to every agent.
  bool complete() const;
  nlohmann::json summary();
  // Prints the finished windows (all of them when `all`), one JSON line each.
  void flush_windows(std::ostream& out, std::int64_t now, bool all);

 private:
  double rate_;
  std::uint64_t warm_, measured_;
  std::int64_t t0_ = 0;
  std::vector<std::uint8_t> acked_;
  std::vector<std::vector<bool>> delivered_;  // per agent
  std::vector<std::uint64_t> delivered_measured_;
  std::uint64_t sent_measured_ = 0, acked_measured_ = 0, duplicates_ = 0, errors_ = 0, closed_ = 0;
  std::int64_t first_send_ = 0, last_send_ = 0;
  std::map<std::string, std::uint64_t> error_codes_;
  std::string first_close_;
  Latency delivery_, ack_, send_lag_;
  RelayWindows windows_;
  std::int64_t wall_offset_ns_;  // CLOCK_REALTIME − CLOCK_MONOTONIC: windows carry Unix times
};

}  // namespace loadgen
