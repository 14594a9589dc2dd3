#include "parley/hours/schedule.hpp"

#include <date/tz.h>

#include <algorithm>

namespace parley::hours {
namespace {

using date::local_days;
using date::days;
using std::chrono::minutes;

struct Span {
  Instant from;
  Instant to;
};

int weekday_index(local_days day) {
  // date::weekday: Sunday = 0; the schedule's week starts on Monday.
  unsigned wd = date::weekday(day).c_encoding();
  return static_cast<int>((wd + 6) % 7);
}

Instant to_instant(const date::time_zone* tz, local_days day, int minute, date::choose ambiguous) {
  auto local = date::local_seconds(day) + minutes(minute);
  auto info = tz->get_info(local);
  if (info.result == date::local_info::nonexistent) {
    // Skipped by a DST change: the first instant after the gap.
    return info.second.begin;
  }
  return date::floor<std::chrono::seconds>(tz->to_sys(local, ambiguous));
}

const std::vector<Interval>& intervals_of(const Schedule& s, local_days day) {
  auto it = s.exceptions.find(static_cast<int>(day.time_since_epoch().count()));
  if (it != s.exceptions.end()) return it->second;
  return s.week[static_cast<std::size_t>(weekday_index(day))];
}

// Every open span that starts on the local days [first, last], merged where they touch or
// overlap (22:00–24:00 and 00:00–06:00 are one period), in order.
std::vector<Span> merged_spans(const Schedule& s, local_days first, local_days last) {
  std::vector<Span> raw;
  for (auto day = first; day <= last; day += days(1)) {
    for (const auto& iv : intervals_of(s, day)) {
      auto end_day = iv.end <= iv.start ? day + days(1) : day;
      raw.push_back({to_instant(s.tz, day, iv.start, date::choose::earliest),
                     to_instant(s.tz, end_day, iv.end, date::choose::latest)});
    }
  }
  std::sort(raw.begin(), raw.end(), [](const Span& a, const Span& b) { return a.from < b.from; });
  std::vector<Span> out;
  for (const auto& sp : raw) {
    if (sp.to <= sp.from) continue;  // a span a DST gap swallowed
    if (!out.empty() && sp.from <= out.back().to) {
      out.back().to = std::max(out.back().to, sp.to);
    } else {
      out.push_back(sp);
    }
  }
  return out;
}

}  // namespace

State evaluate(const Schedule& s, Instant now) {
  auto today = date::floor<days>(s.tz->to_local(now));
  // A short window answers almost every schedule; a wider one only when it could not (long
  // closures, or an open period that reaches the window's end).
  for (int window : {8, 40, kLookaheadDays}) {
    auto last = today + days(window);
    auto spans = merged_spans(s, today - days(1), last);
    auto window_end = to_instant(s.tz, last + days(1), 0, date::choose::earliest);
    State st;
    std::size_t i = 0;
    while (i < spans.size() && spans[i].to <= now) ++i;
    bool complete = true;
    if (i < spans.size() && spans[i].from <= now) {
      st.open = true;
      // An open period reaching the window's end may go on past it: look further.
      if (spans[i].to < window_end) st.closes_at = spans[i].to; else complete = false;
      if (i + 1 < spans.size()) st.next_opening = spans[i + 1].from; else complete = false;
    } else if (i < spans.size()) {
      st.next_opening = spans[i].from;
    } else {
      complete = false;
    }
    if (complete || window == kLookaheadDays) return st;
  }
  return {};
}

std::chrono::seconds business_time(const Schedule& s, Instant from, Instant to) {
  std::chrono::seconds total{0};
  Instant t = from;
  // Each step crosses one open or one closed period; a bound keeps a pathological schedule
  // (hundreds of tiny intervals over a long stretch) from running long.
  for (int step = 0; t < to && step < 10000; ++step) {
    auto st = evaluate(s, t);
    if (st.open) {
      Instant end = st.closes_at ? std::min(*st.closes_at, to) : to;
      total += end - t;
      t = end;
    } else {
      if (!st.next_opening) break;
      t = *st.next_opening;
    }
  }
  return total;
}

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    throw ScheduleError("zone", "Unknown time zone: " + name);
  }
}

std::vector<std::string> zone_names() {
  const auto& db = date::get_tzdb();
  std::vector<std::string> names;
  for (const auto& z : db.zones) names.push_back(z.name());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace parley::hours
