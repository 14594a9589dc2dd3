#pragma once

namespace parley::net {

// The default number of I/O threads: the CPUs this process may run on (its affinity mask,
// as set by taskset, systemd's CPUAffinity= or docker --cpuset-cpus), not every CPU of the
// machine — more threads than CPUs only add context switches — and no more than a cgroup CPU
// quota allows (cpu_quota.hpp). At least 1.
unsigned default_io_threads();

}  // namespace parley::net
