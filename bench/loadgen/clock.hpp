#pragma once
// One time base for every process of a run: CLOCK_MONOTONIC, in nanoseconds.
#include <cstdint>
#include <ctime>

namespace loadgen {

inline std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace loadgen
