#pragma once
// The schedule's SQL (migration 0020): read, write (with a NOTIFY so every process reloads),
// clear, and the first responses the expected reply time is made of.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <vector>

#include "parley/hours/reply_time.hpp"
#include "parley/hours/schedule.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::hours {

// Every process LISTENs here; the payload is empty (a reload reads the row).
constexpr const char* kHoursChannel = "parley_hours";

struct StoredSchedule {
  Schedule schedule;
  std::string updated_at;  // ISO-8601 UTC
};

// nullopt: no schedule (always open). A stored schedule that no longer parses (a zone removed
// from tzdata) is reported by a throw of ScheduleError.
std::optional<StoredSchedule> load_schedule(store::DbConn& conn, pqxx::transaction_base& txn);
void save_schedule(store::DbConn& conn, pqxx::transaction_base& txn, const Schedule& schedule, std::int64_t agent_id);
void clear_schedule(store::DbConn& conn, pqxx::transaction_base& txn);

// First responses of conversations begun in the last 7 days (at most the newest 2000).
std::vector<FirstResponse> recent_first_responses(store::DbConn& conn, pqxx::transaction_base& txn);

}  // namespace parley::hours
