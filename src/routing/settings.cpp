#include "parley/routing/settings.hpp"

#include "parley/core/error.hpp"
#include "queue_sql.hpp"

namespace parley::routing {
namespace {

const store::Statement kRead{"routing_settings_read",
                             "SELECT mode, away_release_minutes FROM routing_settings WHERE id = 1"};
const store::Statement kWrite{"routing_settings_write", R"SQL(
UPDATE routing_settings SET mode = $1, away_release_minutes = NULLIF($2, 0), updated_at = now() WHERE id = 1)SQL"};
const store::Statement kCapacity{"routing_set_capacity",
                                 "UPDATE agent SET routing_capacity = $2 WHERE id = $1 AND NOT disabled"};
const store::Statement kQueue{"routing_queue_stats",
                              "SELECT count(*), coalesce(extract(epoch FROM now() - min(c.waiting_since)), 0)::float8 "
                              "FROM conversation c WHERE " PARLEY_ROUTING_QUEUED("c")};
const store::Statement kOverview{"routing_overview",
                                 "SELECT json_build_object("
                                 "'mode', s.mode, 'awayReleaseMinutes', s.away_release_minutes, "
                                 "'queue', (SELECT json_build_object('length', count(*), 'oldestWaitingSeconds', "
                                 "  coalesce(floor(extract(epoch FROM now() - min(c.waiting_since))), 0)) "
                                 "  FROM conversation c WHERE " PARLEY_ROUTING_QUEUED("c") "), "
                                 "'agents', coalesce((SELECT json_agg(json_build_object("
                                 "  'id', a.id, 'name', a.name, 'role', a.role, 'capacity', a.routing_capacity, "
                                 "  'open', (SELECT count(*) FROM conversation c WHERE c.assigned_agent_id = a.id "
                                 "           AND c.status = 'ASSIGNED'), "
                                 "  'online', " PARLEY_ROUTING_ONLINE("a") ") ORDER BY lower(a.name), a.id) "
                                 "  FROM agent a WHERE NOT a.disabled), '[]'::json)"
                                 ")::text FROM routing_settings s WHERE s.id = 1"};

}  // namespace

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::Manual: return "manual";
    case Mode::RoundRobin: return "round_robin";
    case Mode::Balanced: return "balanced";
  }
  return "manual";
}

std::optional<Mode> parse_mode(std::string_view text) {
  for (auto m : {Mode::Manual, Mode::RoundRobin, Mode::Balanced}) {
    if (to_string(m) == text) return m;
  }
  return std::nullopt;
}

Settings read_settings(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kRead);
  Settings s;
  if (r.empty()) return s;
  s.mode = parse_mode(r[0][0].c_str()).value_or(Mode::Manual);
  if (!r[0][1].is_null()) s.away_release_minutes = r[0][1].as<int>();
  return s;
}

void write_settings(store::DbConn& conn, const Settings& settings) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kWrite, std::string(to_string(settings.mode)), settings.away_release_minutes.value_or(0));
  txn.commit();
}

void set_capacity(store::DbConn& conn, std::int64_t agent_id, int capacity) {
  pqxx::work txn(conn.raw());
  if (conn.exec(txn, kCapacity, agent_id, capacity).affected_rows() == 0) {
    throw ApiError::not_found("No such agent");
  }
  txn.commit();
}

std::string overview_json(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kOverview);
  return r.empty() ? "{}" : r[0][0].c_str();
}

QueueStats queue_stats(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kQueue);
  return {r[0][0].as<std::int64_t>(), r[0][1].as<double>()};
}

}  // namespace parley::routing
