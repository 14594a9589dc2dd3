#include "relay_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "frame_scan.hpp"

namespace loadgen {

namespace {
std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
// A window's grace: how long after its last message was due its line waits for stragglers.
constexpr std::int64_t kWindowGraceNs = 5'000'000'000;
}  // namespace

RelayTracker::RelayTracker(double rate, std::uint64_t warm, std::uint64_t measured, std::size_t agents,
                           double window_seconds)
    : rate_(rate),
      warm_(warm),
      measured_(measured),
      acked_(warm + measured, 0),
      delivered_(agents, std::vector<bool>(warm + measured, false)),
      delivered_measured_(agents, 0),
      windows_(window_seconds, warm,
               window_seconds > 0 ? std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(window_seconds * rate))) : 0,
               measured),
      wall_offset_ns_(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)) {
  delivery_.reserve(measured);
  ack_.reserve(measured);
  send_lag_.reserve(measured);
}

void RelayTracker::on_sent(std::uint64_t k, std::int64_t now) {
  if (!is_measured(k)) return;
  if (sent_measured_++ == 0) first_send_ = now;
  last_send_ = now;
  send_lag_.add_ns(now - intended_ns(k));
  windows_.on_sent(k);
}

void RelayTracker::on_ack(std::uint64_t k, std::int64_t now) {
  if (k >= total() || acked_[k]) return;
  acked_[k] = 1;
  if (!is_measured(k)) return;
  ++acked_measured_;
  ack_.add_ns(now - intended_ns(k));
  windows_.on_ack(k, now - intended_ns(k));
}

void RelayTracker::on_delivered(std::size_t agent, std::uint64_t k, std::int64_t now) {
  if (k >= total()) return;
  auto seen = delivered_[agent][k];
  if (seen) {
    ++duplicates_;
    return;
  }
  delivered_[agent][k] = true;
  if (!is_measured(k)) return;
  ++delivered_measured_[agent];
  if (agent == 0) {
    delivery_.add_ns(now - intended_ns(k));
    windows_.on_delivered(k, now - intended_ns(k));
  }
}

void RelayTracker::flush_windows(std::ostream& out, std::int64_t now, bool all) {
  if (!windows_.enabled()) return;
  auto per_window = windows_.per_window();
  windows_.flush(out, now, kWindowGraceNs, all, wall_offset_ns_,
                 [&](std::size_t w) { return intended_ns(warm_ + static_cast<std::uint64_t>(w) * per_window); });
}

void RelayTracker::on_error(std::string_view frame) {
  ++errors_;
  std::string code(string_field(frame, "code"));
  ++error_codes_[code.empty() ? "?" : code];
}

void RelayTracker::on_closed(const std::string& why) {
  if (closed_++ == 0) first_close_ = why;
}

bool RelayTracker::complete() const {
  if (acked_measured_ < measured_) return false;
  return std::all_of(delivered_measured_.begin(), delivered_measured_.end(), [this](auto d) { return d >= measured_; });
}

nlohmann::json RelayTracker::summary() {
  std::uint64_t delivered_min = delivered_measured_.empty() ? 0 : *std::min_element(delivered_measured_.begin(), delivered_measured_.end());
  double span = static_cast<double>(last_send_ - first_send_) / 1e9;
  nlohmann::json out = {{"sent", sent_measured_},
                        {"acked", acked_measured_},
                        {"delivered", delivered_min},
                        {"lost", sent_measured_ - std::min(sent_measured_, delivered_min)},
                        {"unacked", sent_measured_ - std::min(sent_measured_, acked_measured_)},
                        {"duplicates", duplicates_},
                        {"errors", errors_},
                        {"closed", closed_},
                        {"achieved_rate", span > 0 ? std::round(static_cast<double>(sent_measured_ - 1) / span) : 0.0},
                        {"delivery", delivery_.summary()},
                        {"ack", ack_.summary()},
                        {"send_lag", send_lag_.summary()}};
  if (!error_codes_.empty()) out["error_codes"] = error_codes_;
  if (!first_close_.empty()) out["first_close"] = first_close_;
  return out;
}

}  // namespace loadgen
