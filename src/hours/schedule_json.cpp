#include "parley/hours/schedule_json.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <optional>

namespace parley::hours {
namespace {

constexpr const char* kDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int minute_field(const nlohmann::json& iv, const char* key, const std::string& where, int lo, int hi) {
  if (!iv.contains(key) || !iv[key].is_number_integer()) {
    throw ScheduleError(where, where + ": \"" + key + "\" must be a whole number of minutes");
  }
  auto v = iv[key].get<long long>();
  if (v < lo || v > hi) {
    throw ScheduleError(where, where + ": \"" + key + "\" must be between " + std::to_string(lo) + " and " +
                                   std::to_string(hi));
  }
  return static_cast<int>(v);
}

// Minutes of the day an interval covers on its own day and (past midnight) the next.
std::pair<int, int> own_day_range(const Interval& iv) { return {iv.start, iv.end <= iv.start ? 1440 : iv.end}; }

std::vector<Interval> parse_intervals(const nlohmann::json& list, const std::string& where) {
  if (!list.is_array()) throw ScheduleError(where, where + " must be a list of intervals");
  if (list.size() > kMaxIntervalsPerDay) {
    throw ScheduleError(where, where + ": at most " + std::to_string(kMaxIntervalsPerDay) + " intervals a day");
  }
  std::vector<Interval> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    if (!list[i].is_object()) throw ScheduleError(at, at + " must be {\"start\",\"end\"}");
    Interval iv{minute_field(list[i], "start", at, 0, 1439), minute_field(list[i], "end", at, 1, 1440)};
    if (iv.start == iv.end) throw ScheduleError(at, at + ": start and end are the same time");
    out.push_back(iv);
  }
  std::sort(out.begin(), out.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].start < own_day_range(out[i - 1]).second) {
      throw ScheduleError(where, where + ": intervals overlap");
    }
  }
  // Only the last interval of a day may go past midnight (an earlier one would overlap it).
  return out;
}

// "2026-12-24" → that date; nullopt for any other form or a date that does not exist.
// (By hand: date::parse trips gcc 12's -Wmaybe-uninitialized inside date.h.)
std::optional<date::year_month_day> parse_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::pair<std::size_t, std::size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t k = spans[i].first; k < spans[i].first + spans[i].second; ++k) {
      if (text[k] < '0' || text[k] > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (text[k] - '0');
    }
  }
  date::year_month_day ymd{date::year(parts[0]), date::month(static_cast<unsigned>(parts[1])),
                           date::day(static_cast<unsigned>(parts[2]))};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string hhmm_date(int day) {
  return date::format("%F", date::sys_days(date::days(day)));
}

}  // namespace

Schedule parse_schedule(const nlohmann::json& doc) {
  if (!doc.is_object()) throw ScheduleError("schedule", "The schedule must be an object");
  Schedule s;
  if (!doc.contains("zone") || !doc["zone"].is_string() || doc["zone"].get<std::string>().empty()) {
    throw ScheduleError("zone", "\"zone\" must be a time zone name such as Europe/Berlin");
  }
  s.zone = doc["zone"].get<std::string>();
  if (s.zone.size() > 64) throw ScheduleError("zone", "Unknown time zone");
  s.tz = find_zone(s.zone);
  const auto& week = doc.value("week", nlohmann::json::object());
  if (!week.is_object()) throw ScheduleError("week", "\"week\" must be an object keyed mon … sun");
  for (const auto& item : week.items()) {
    const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture one
    if (std::find_if(std::begin(kDays), std::end(kDays), [&](const char* d) { return key == d; }) == std::end(kDays)) {
      throw ScheduleError("week", "Unknown day \"" + key.substr(0, 16) + "\" (use mon, tue, wed, thu, fri, sat, sun)");
    }
  }
  for (int d = 0; d < 7; ++d) {
    if (week.contains(kDays[d])) s.week[d] = parse_intervals(week[kDays[d]], std::string("week.") + kDays[d]);
  }
  const auto& exceptions = doc.value("exceptions", nlohmann::json::array());
  if (!exceptions.is_array()) throw ScheduleError("exceptions", "\"exceptions\" must be a list");
  if (exceptions.size() > kMaxExceptions) {
    throw ScheduleError("exceptions", "At most " + std::to_string(kMaxExceptions) + " exceptions");
  }
  for (std::size_t i = 0; i < exceptions.size(); ++i) {
    std::string at = "exceptions[" + std::to_string(i) + "]";
    const auto& e = exceptions[i];
    if (!e.is_object() || !e.contains("date") || !e["date"].is_string()) {
      throw ScheduleError(at, at + ": \"date\" must be YYYY-MM-DD");
    }
    auto ymd = parse_date(e["date"].get<std::string>());
    if (!ymd) throw ScheduleError(at, at + ": \"date\" must be a real date as YYYY-MM-DD");
    int day = static_cast<int>(date::sys_days(*ymd).time_since_epoch().count());
    if (s.exceptions.count(day)) throw ScheduleError(at, at + ": " + e["date"].get<std::string>() + " is listed twice");
    s.exceptions[day] = parse_intervals(e.value("intervals", nlohmann::json::array()), at + ".intervals");
  }
  return s;
}

nlohmann::json to_json(const Schedule& s) {
  nlohmann::json week = nlohmann::json::object();
  auto list = [](const std::vector<Interval>& ivs) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& iv : ivs) out.push_back({{"start", iv.start}, {"end", iv.end}});
    return out;
  };
  for (int d = 0; d < 7; ++d) week[kDays[d]] = list(s.week[d]);
  nlohmann::json exceptions = nlohmann::json::array();
  for (const auto& [day, ivs] : s.exceptions) exceptions.push_back({{"date", hhmm_date(day)}, {"intervals", list(ivs)}});
  return {{"zone", s.zone}, {"week", week}, {"exceptions", exceptions}};
}

std::string iso_utc(Instant t) { return date::format("%FT%TZ", t); }

nlohmann::json to_json(const State& st) {
  return {{"open", st.open},
          {"closesAt", st.closes_at ? nlohmann::json(iso_utc(*st.closes_at)) : nlohmann::json()},
          {"nextOpening", st.next_opening ? nlohmann::json(iso_utc(*st.next_opening)) : nlohmann::json()}};
}

}  // namespace parley::hours
