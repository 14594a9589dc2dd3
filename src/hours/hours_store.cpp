#include "parley/hours/hours_store.hpp"

#include "parley/hours/schedule_json.hpp"

namespace parley::hours {
namespace {

const store::Statement kLoad{"hours_load", R"SQL(
SELECT schedule::text, parley_time(updated_at) FROM business_hours)SQL"};

const store::Statement kSave{"hours_save", R"SQL(
INSERT INTO business_hours (schedule, updated_by) VALUES ($1::jsonb, $2)
ON CONFLICT (singleton) DO UPDATE SET schedule = excluded.schedule, updated_at = now(),
  updated_by = excluded.updated_by)SQL"};

const store::Statement kClear{"hours_clear", "DELETE FROM business_hours"};

const store::Statement kNotify{"hours_notify", "SELECT pg_notify('parley_hours', '')"};

// The first visitor message of each recent conversation and the first agent message after it
// (both through message_by_conversation); unanswered conversations are left out.
const store::Statement kFirstResponses{"hours_first_responses", R"SQL(
SELECT extract(epoch FROM v.created_at)::bigint, extract(epoch FROM a.created_at)::bigint
FROM (SELECT id FROM conversation WHERE created_at > now() - interval '7 days' ORDER BY created_at DESC LIMIT 2000) c
CROSS JOIN LATERAL (SELECT id, created_at FROM message WHERE conversation_id = c.id AND sender = 'VISITOR'
                    ORDER BY id LIMIT 1) v
CROSS JOIN LATERAL (SELECT created_at FROM message WHERE conversation_id = c.id AND sender = 'AGENT' AND id > v.id
                    ORDER BY id LIMIT 1) a)SQL"};

}  // namespace

std::optional<StoredSchedule> load_schedule(store::DbConn& conn, pqxx::transaction_base& txn) {
  auto r = conn.exec(txn, kLoad);
  if (r.empty()) return std::nullopt;
  return StoredSchedule{parse_schedule(nlohmann::json::parse(r[0][0].c_str())), r[0][1].c_str()};
}

void save_schedule(store::DbConn& conn, pqxx::transaction_base& txn, const Schedule& schedule, std::int64_t agent_id) {
  conn.exec(txn, kSave, to_json(schedule).dump(), agent_id);
  conn.exec(txn, kNotify);  // delivered at commit
}

void clear_schedule(store::DbConn& conn, pqxx::transaction_base& txn) {
  conn.exec(txn, kClear);
  conn.exec(txn, kNotify);
}

std::vector<FirstResponse> recent_first_responses(store::DbConn& conn, pqxx::transaction_base& txn) {
  std::vector<FirstResponse> out;
  for (const auto& row : conn.exec(txn, kFirstResponses)) {
    out.push_back({Instant(std::chrono::seconds(row[0].as<std::int64_t>())),
                   Instant(std::chrono::seconds(row[1].as<std::int64_t>()))});
  }
  return out;
}

}  // namespace parley::hours
