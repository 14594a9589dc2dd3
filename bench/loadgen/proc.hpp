#pragma once
// Facts about a process read from /proc.
#include <sys/types.h>

#include <cstdint>

namespace loadgen {

// Resident set size in KiB (VmRSS), or -1 when the process is gone.
std::int64_t rss_kib(pid_t pid);

// CPU time (user + system) in microseconds: of the process alone, or -1 when it is gone.
std::int64_t cpu_us(pid_t pid);

// CPU time of the process and every child of it (those still running and those it reaped):
// PostgreSQL's postmaster and all its backends. -1 when the process is gone.
std::int64_t tree_cpu_us(pid_t pid);

// Clock ticks of one CPU so far from /proc/stat: all of them and the busy ones (user, nice,
// system). Two samples tell how busy that CPU was in between.
struct CpuTicks {
  std::int64_t total = 0, busy = 0;
};
CpuTicks cpu_ticks(int cpu);

}  // namespace loadgen
