#include "proc.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace loadgen {
namespace {

// The fields of /proc/PID/stat after the command name (which may hold spaces): index 0 is
// field 3 (state), so ppid is [1], utime [11], stime [12], cutime [13], cstime [14].
std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  auto paren = line.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream rest(line.substr(paren + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields.size() > 14 ? fields : std::vector<std::string>{};
}

std::int64_t ticks_to_us(std::int64_t ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  return ticks * 1'000'000 / (hz > 0 ? hz : 100);
}

}  // namespace

std::int64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

std::int64_t cpu_us(pid_t pid) {
  auto f = stat_fields(pid);
  if (f.empty()) return -1;
  return ticks_to_us(std::stoll(f[11]) + std::stoll(f[12]));
}

std::int64_t tree_cpu_us(pid_t pid) {
  auto root = stat_fields(pid);
  if (root.empty()) return -1;
  std::int64_t ticks = std::stoll(root[11]) + std::stoll(root[12]) + std::stoll(root[13]) + std::stoll(root[14]);
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto f = stat_fields(static_cast<pid_t>(std::stol(name)));
    if (f.empty() || std::stol(f[1]) != pid) continue;
    ticks += std::stoll(f[11]) + std::stoll(f[12]);
  }
  return ticks_to_us(ticks);
}

CpuTicks cpu_ticks(int cpu) {
  std::ifstream in("/proc/stat");
  std::string line, want = "cpu" + std::to_string(cpu);
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string name;
    s >> name;
    if (name != want) continue;
    std::int64_t v[8] = {};
    for (auto& x : v) s >> x;  // user nice system idle iowait irq softirq steal
    CpuTicks t;
    for (auto x : v) t.total += x;
    t.busy = v[0] + v[1] + v[2];  // as bench/lib.sh counts it: softirq is charged to no process
    return t;
  }
  return {};
}

}  // namespace loadgen
