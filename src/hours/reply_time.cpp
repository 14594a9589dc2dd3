#include "parley/hours/reply_time.hpp"

#include <algorithm>

namespace parley::hours {

std::optional<std::chrono::seconds> median_response(const Schedule& schedule, const std::vector<FirstResponse>& rows) {
  if (rows.empty()) return std::nullopt;
  std::vector<std::chrono::seconds> times;
  times.reserve(rows.size());
  for (const auto& r : rows) times.push_back(business_time(schedule, r.asked, r.answered));
  auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), mid, times.end());
  if (times.size() % 2 == 1) return *mid;
  auto below = *std::max_element(times.begin(), mid);
  return (below + *mid) / 2;
}

std::string reply_words(std::chrono::seconds median) {
  using namespace std::chrono_literals;
  if (median <= 10min) return "a few minutes";
  if (median < 1h) return "under an hour";
  if (median <= 8h) return "a few hours";
  return "about a day";
}

}  // namespace parley::hours
