#include "http_date.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace parley::net {
namespace {

constexpr std::string_view kPrefix = "Date: ";

// The cache of one thread: the line for `second`.
struct DateCache {
  std::time_t second = -1;
  std::string line;
};

const std::string& current_line() {
  thread_local DateCache cache;
  std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    cache.second = now;
    cache.line.assign(kPrefix).append(format_http_date(now)).append("\r\n");
  }
  return cache.line;
}

}  // namespace

std::string format_http_date(std::time_t t) {
  // Names spelled out, not strftime's %a/%b: those follow the locale.
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  int n = std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[static_cast<std::size_t>(tm.tm_wday)],
                        tm.tm_mday, kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                        tm.tm_min, tm.tm_sec);
  return std::string(out, static_cast<std::size_t>(n));
}

std::string_view http_date_line() { return current_line(); }

std::string_view http_date() {
  std::string_view line = current_line();
  return line.substr(kPrefix.size(), line.size() - kPrefix.size() - 2);
}

}  // namespace parley::net
