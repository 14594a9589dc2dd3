#pragma once
// Facts about a process read from /proc.
#include <sys/types.h>

#include <cstdint>

namespace loadgen {

// Resident set size in KiB (VmRSS), or -1 when the process is gone.
std::int64_t rss_kib(pid_t pid);

}  // namespace loadgen
