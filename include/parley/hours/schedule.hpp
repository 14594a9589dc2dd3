#pragma once
// Business hours as a pure function: a weekly schedule in a time zone, with dated exceptions,
// answers "open at this instant?", "until when?" and "when next?" (docs/INBOX.md, Hours).
// Nothing here reads a clock: callers pass the instant, so tests inject any time.
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace parley::hours {

using Instant = std::chrono::sys_seconds;

// Minutes from local midnight: open from `start` to `end`. end <= start means the span goes
// past midnight and ends at `end` the next day (22:00–02:00 is {1320, 120}); {0, 1440} is the
// whole day. A local time a DST change skips means the first instant after the gap; one it
// repeats, its first occurrence for a start and its second for an end (the longer span).
struct Interval {
  int start = 0;  // 0 … 1439
  int end = 0;    // 1 … 1440
  bool operator==(const Interval&) const = default;
};

struct Schedule {
  std::string zone;                       // IANA name, e.g. "Europe/Berlin"
  const date::time_zone* tz = nullptr;    // from the system tzdata (set by parse_schedule)
  std::array<std::vector<Interval>, 7> week;  // [0] = Monday … [6] = Sunday
  // Local date (days since 1970-01-01) → that day's intervals instead of its weekday's
  // (empty: closed all day). A span of the day before that goes past midnight still counts.
  std::map<int, std::vector<Interval>> exceptions;
};

struct State {
  bool open = false;
  std::optional<Instant> closes_at;     // while open: the end of this open period
  std::optional<Instant> next_opening;  // the start of the next open period after now
};

// How far ahead next_opening/closes_at are looked for; beyond it they are empty ("never" /
// "not within a year").
constexpr int kLookaheadDays = 370;

State evaluate(const Schedule& schedule, Instant now);

// Open business time between two instants (0 if to <= from).
std::chrono::seconds business_time(const Schedule& schedule, Instant from, Instant to);

// The error an invalid schedule gives: `field` names the part (e.g. "week.mon[1]").
struct ScheduleError : std::invalid_argument {
  ScheduleError(std::string field_, const std::string& message)
      : std::invalid_argument(message), field(std::move(field_)) {}
  std::string field;
};

// Throws ScheduleError for an unknown zone (tz not found in the system tzdata).
const date::time_zone* find_zone(const std::string& name);
// Every zone name the system tzdata (/usr/share/zoneinfo) holds, sorted.
std::vector<std::string> zone_names();

}  // namespace parley::hours
