#include "io_threads.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "cpu_quota.hpp"

namespace parley::net {

unsigned default_io_threads() {
  unsigned cpus = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = static_cast<unsigned>(CPU_COUNT(&set));
  // More CPUs than a cpu_set_t holds (1,024), or no affinity call: every core.
  if (cpus == 0) cpus = std::max(1u, std::thread::hardware_concurrency());
  // A CPU quota (docker --cpus, CPUQuota=) caps the time, not the cores: no more threads than
  // it pays for.
  if (unsigned quota = cgroup_cpu_limit(); quota > 0) cpus = std::min(cpus, quota);
  return cpus;
}

}  // namespace parley::net
