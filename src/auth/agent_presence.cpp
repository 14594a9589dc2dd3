#include "parley/auth/agent_presence.hpp"

#include "parley/store/array_literal.hpp"

namespace parley::auth {
namespace {

// In agent id order, like every other locker of agent rows (routing/assignment.cpp): no deadlock.
const store::Statement kLockAgents{"presence_lock_agents", R"SQL(
SELECT id FROM agent WHERE id = ANY($2::bigint[])
  OR id IN (SELECT agent_id FROM presence_by_process WHERE process_id = $1)
ORDER BY id FOR UPDATE)SQL"};
const store::Statement kDropGone{"presence_drop_gone",
                                 "DELETE FROM presence_by_process WHERE process_id = $1 AND NOT (agent_id = ANY($2::bigint[]))"};
const store::Statement kUpsert{"presence_upsert", R"SQL(
INSERT INTO presence_by_process (process_id, agent_id, online, seen_at)
SELECT $1, a, o, now() FROM unnest($2::bigint[], $3::boolean[]) AS t(a, o)
WHERE EXISTS (SELECT 1 FROM agent WHERE id = a)
ON CONFLICT (agent_id, process_id) DO UPDATE SET online = excluded.online, seen_at = excluded.seen_at)SQL"};
const store::Statement kOnlineNow{"presence_online_now",
                                  "UPDATE agent SET last_online_at = now() WHERE id = ANY($1::bigint[])"};
const store::Statement kPrune{"presence_prune",
                              "DELETE FROM presence_by_process WHERE seen_at < now() - interval '1 minute'"};

}  // namespace

void store_presence(store::DbConn& conn, const std::string& process_id, const std::map<std::int64_t, bool>& agents) {
  std::vector<std::int64_t> ids, online_ids;
  std::vector<std::string> flags;
  for (const auto& [id, online] : agents) {
    ids.push_back(id);
    flags.push_back(online ? "t" : "f");
    if (online) online_ids.push_back(id);
  }
  auto number = [](std::int64_t v) { return std::to_string(v); };
  auto same = [](const std::string& s) -> const std::string& { return s; };
  std::string id_array = store::array_literal(ids, number);
  pqxx::work txn(conn.raw());
  conn.exec(txn, kLockAgents, process_id, id_array);
  conn.exec(txn, kDropGone, process_id, id_array);
  if (!ids.empty()) conn.exec(txn, kUpsert, process_id, id_array, store::array_literal(flags, same));
  if (!online_ids.empty()) conn.exec(txn, kOnlineNow, store::array_literal(online_ids, number));
  txn.commit();
}

int prune_presence(store::DbConn& conn) {
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kPrune);
  txn.commit();
  return static_cast<int>(r.affected_rows());
}

}  // namespace parley::auth
