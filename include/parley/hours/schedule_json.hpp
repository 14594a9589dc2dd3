#pragma once
// The schedule as the REST API and the database hold it:
// {"zone":"Europe/Berlin",
//  "week":{"mon":[{"start":540,"end":1020}],"tue":[…],…},          (a missing day is closed)
//  "exceptions":[{"date":"2026-12-25","intervals":[]},               (closed that day)
//                {"date":"2026-12-24","intervals":[{"start":600,"end":720}]}]}
#include <nlohmann/json.hpp>

#include "parley/hours/schedule.hpp"

namespace parley::hours {

constexpr std::size_t kMaxIntervalsPerDay = 8;
constexpr std::size_t kMaxExceptions = 200;

// Validates and builds; throws ScheduleError naming the field at fault.
Schedule parse_schedule(const nlohmann::json& doc);
nlohmann::json to_json(const Schedule& schedule);

// "2026-12-24T08:00:00Z"
std::string iso_utc(Instant t);
// {"open":bool,"closesAt":ISO|null,"nextOpening":ISO|null}
nlohmann::json to_json(const State& state);

}  // namespace parley::hours
