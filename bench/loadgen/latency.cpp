#include "latency.hpp"

#include <algorithm>
#include <cmath>

namespace loadgen {

nlohmann::json Latency::summary() {
  nlohmann::json out = {{"count", samples_.size()}};
  if (samples_.empty()) return out;
  std::sort(samples_.begin(), samples_.end());
  auto at = [this](double q) {
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples_.size()))) ;
    i = std::min(samples_.size() - 1, i == 0 ? 0 : i - 1);
    return std::round(samples_[i] / 10.0) / 100.0;  // ms, two decimals
  };
  double sum = 0;
  for (auto s : samples_) sum += s;
  out["p50_ms"] = at(0.50);
  out["p90_ms"] = at(0.90);
  out["p99_ms"] = at(0.99);
  out["p999_ms"] = at(0.999);
  out["max_ms"] = std::round(samples_.back() / 10.0) / 100.0;
  out["mean_ms"] = std::round(sum / static_cast<double>(samples_.size()) / 10.0) / 100.0;
  return out;
}

}  // namespace loadgen
