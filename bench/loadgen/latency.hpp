#pragma once
// Latency samples (microseconds) and their summary: every sample is kept, so percentiles
// are exact, not bucketed.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace loadgen {

class Latency {
 public:
  void reserve(std::size_t n) { samples_.reserve(n); }
  void add_ns(std::int64_t ns) { samples_.push_back(ns < 0 ? 0 : static_cast<std::uint32_t>(std::min<std::int64_t>(ns / 1000, UINT32_MAX))); }
  std::size_t count() const { return samples_.size(); }
  // {"count","p50_ms","p90_ms","p99_ms","p999_ms","max_ms","mean_ms"}; sorts the samples.
  nlohmann::json summary();

 private:
  std::vector<std::uint32_t> samples_;
};

}  // namespace loadgen
