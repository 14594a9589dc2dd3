#include "cpu_quota.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>

namespace parley::net {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// v2 `cpu.max`: "max 100000" (no limit) or "150000 100000" (1.5 CPUs).
std::optional<double> v2_limit(const std::string& dir) {
  auto text = read_file(dir + "/cpu.max");
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  try {
    return std::stod(quota) / period;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// v1: cpu.cfs_quota_us (-1: no limit) over cpu.cfs_period_us.
std::optional<double> v1_limit(const std::string& dir) {
  auto quota = read_file(dir + "/cpu.cfs_quota_us");
  auto period = read_file(dir + "/cpu.cfs_period_us");
  if (!quota || !period) return std::nullopt;
  try {
    double q = std::stod(*quota), p = std::stod(*period);
    if (q <= 0 || p <= 0) return std::nullopt;
    return q / p;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The tightest limit from `root + path` up to `root`.
std::optional<double> tightest(const std::string& root, std::string path,
                               std::optional<double> (*limit_of)(const std::string&)) {
  std::optional<double> best;
  for (;;) {
    if (auto l = limit_of(root + path); l && (!best || *l < *best)) best = l;
    if (path.empty() || path == "/") break;
    auto slash = path.find_last_of('/');
    path = slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
  }
  return best;
}

}  // namespace

unsigned cgroup_cpu_limit(const std::string& cgroup_fs, const std::string& self_cgroup) {
  auto lines = read_file(self_cgroup);
  if (!lines) return 0;
  std::optional<double> best;
  auto consider = [&](std::optional<double> l) {
    if (l && (!best || *l < *best)) best = l;
  };
  std::istringstream in(*lines);
  for (std::string line; std::getline(in, line);) {
    // "hierarchy-id:controllers:path"; v2 is "0::path".
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      consider(tightest(cgroup_fs, path, v2_limit));
      continue;
    }
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');) {
      if (name != "cpu") continue;
      // Mounted as cpu/, or as cpu,cpuacct/ (with a cpu symlink on most systems).
      consider(tightest(cgroup_fs + "/" + controllers, path, v1_limit));
      if (controllers != "cpu") consider(tightest(cgroup_fs + "/cpu", path, v1_limit));
    }
  }
  if (!best) return 0;
  return static_cast<unsigned>(std::max(1.0, std::ceil(*best)));
}

}  // namespace parley::net
