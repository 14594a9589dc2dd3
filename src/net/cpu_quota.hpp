#pragma once
// The CPU time a control group lets this process use, as a number of CPUs: a container started
// with `docker run --cpus=2` (or systemd's CPUQuota=200%) on a 64-core host may run 2 CPUs'
// worth, however many cores its affinity mask shows. Both cgroup versions: v2's `cpu.max` and
// v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us`, along the process's cgroup and its parents
// (the tightest wins).
#include <string>

namespace parley::net {

// The quota in CPUs, rounded up (1.5 → 2); 0 when there is none or it cannot be read.
// The paths are parameters for tests.
unsigned cgroup_cpu_limit(const std::string& cgroup_fs = "/sys/fs/cgroup",
                          const std::string& self_cgroup = "/proc/self/cgroup");

}  // namespace parley::net
