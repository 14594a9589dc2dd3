#include "io_threads.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace parley::net {

unsigned default_io_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  // More CPUs than a cpu_set_t holds (1,024), or no affinity call: every core.
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace parley::net
