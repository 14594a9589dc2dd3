#include "relay_windows.hpp"

#include <cmath>

namespace loadgen {

RelayWindows::RelayWindows(double seconds, std::uint64_t first, std::uint64_t per_window, std::uint64_t count)
    : seconds_(seconds), first_(first), per_window_(per_window), count_(count) {
  if (per_window_ == 0) return;
  windows_ = std::vector<Window>(static_cast<std::size_t>((count_ + per_window_ - 1) / per_window_));
  for (std::size_t w = 0; w < windows_.size(); ++w) {
    windows_[w].delivery.reserve(size_of(w));
    windows_[w].ack.reserve(size_of(w));
  }
}

std::uint64_t RelayWindows::size_of(std::size_t w) const {
  std::uint64_t start = static_cast<std::uint64_t>(w) * per_window_;
  return std::min(per_window_, count_ - start);
}

void RelayWindows::on_sent(std::uint64_t k) {
  if (in_range(k)) ++windows_[index(k)].sent;
}

void RelayWindows::on_ack(std::uint64_t k, std::int64_t latency_ns) {
  if (!in_range(k)) return;
  auto& w = windows_[index(k)];
  ++w.acked;
  w.ack.add_ns(latency_ns);
}

void RelayWindows::on_delivered(std::uint64_t k, std::int64_t latency_ns) {
  if (!in_range(k)) return;
  auto& w = windows_[index(k)];
  ++w.delivered;
  w.delivery.add_ns(latency_ns);
}

nlohmann::json RelayWindows::line(std::size_t w, std::int64_t start_ns, std::int64_t wall_offset_ns) {
  auto& win = windows_[w];
  nlohmann::json out = {{"mode", "relay-window"},
                        {"window", w},
                        {"seconds", seconds_},
                        {"start_s", std::round(static_cast<double>(w) * seconds_ * 1000) / 1000},
                        {"start_unix_ms", (start_ns + wall_offset_ns) / 1'000'000},
                        {"due", size_of(w)},
                        {"sent", win.sent},
                        {"acked", win.acked},
                        {"delivered", win.delivered},
                        {"delivery", win.delivery.summary()},
                        {"ack", win.ack.summary()}};
  // The samples are not needed any more: a 10-minute run keeps only the summaries.
  win.delivery = Latency();
  win.ack = Latency();
  return out;
}

}  // namespace loadgen
