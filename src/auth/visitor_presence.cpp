#include "parley/auth/visitor_presence.hpp"

#include "parley/store/array_literal.hpp"

namespace parley::auth {
namespace {

// xmax = 0 only on a row this statement inserted (an update sets it): the row was missing.
const store::Statement kStamp{"visitor_presence_stamp", R"SQL(
INSERT INTO server_process (process_id, seen_at) VALUES ($1, now())
ON CONFLICT (process_id) DO UPDATE SET seen_at = excluded.seen_at
RETURNING xmax = 0)SQL"};
const store::Statement kDropAll{"visitor_presence_drop_all", "DELETE FROM visitor_presence WHERE process_id = $1"};
const store::Statement kDropLeft{"visitor_presence_drop_left",
                                 "DELETE FROM visitor_presence WHERE process_id = $1 AND visitor_id = ANY($2::bigint[])"};
const store::Statement kAddArrived{"visitor_presence_add", R"SQL(
INSERT INTO visitor_presence (visitor_id, process_id)
SELECT v, $1 FROM unnest($2::bigint[]) AS v
ON CONFLICT DO NOTHING)SQL"};
// 20 s: four missed stamps (chat/visitor_presence_sync.cpp stamps every 5 s).
const store::Statement kElsewhere{"visitor_presence_elsewhere", R"SQL(
SELECT DISTINCT vp.visitor_id FROM visitor_presence vp JOIN server_process p USING (process_id)
WHERE vp.visitor_id = ANY($2::bigint[]) AND vp.process_id <> $1 AND p.seen_at > now() - interval '20 seconds')SQL"};
const store::Statement kForget{"visitor_presence_forget", "DELETE FROM server_process WHERE process_id = $1"};
const store::Statement kPrune{"visitor_presence_prune",
                              "DELETE FROM server_process WHERE seen_at < now() - interval '1 minute'"};

std::string id_array(const std::vector<std::int64_t>& ids) {
  return store::array_literal(ids, [](std::int64_t v) { return std::to_string(v); });
}

}  // namespace

bool store_visitor_presence(store::DbConn& conn, const std::string& process_id, const std::vector<std::int64_t>& arrived,
                            const std::vector<std::int64_t>& left, bool replace_all) {
  pqxx::work txn(conn.raw());
  bool was_stored = !conn.exec(txn, kStamp, process_id)[0][0].as<bool>();
  if (replace_all) {
    conn.exec(txn, kDropAll, process_id);
  } else if (!left.empty()) {
    conn.exec(txn, kDropLeft, process_id, id_array(left));
  }
  if (!arrived.empty()) conn.exec(txn, kAddArrived, process_id, id_array(arrived));
  txn.commit();
  return was_stored;
}

std::set<std::int64_t> visitors_connected_elsewhere(store::DbConn& conn, pqxx::transaction_base& txn,
                                                    const std::string& process_id,
                                                    const std::vector<std::int64_t>& visitor_ids) {
  std::set<std::int64_t> out;
  if (visitor_ids.empty()) return out;
  for (const auto& row : conn.exec(txn, kElsewhere, process_id, id_array(visitor_ids))) out.insert(row[0].as<std::int64_t>());
  return out;
}

void forget_process(store::DbConn& conn, const std::string& process_id) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kForget, process_id);
  txn.commit();
}

int prune_stopped_processes(store::DbConn& conn) {
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kPrune);
  txn.commit();
  return static_cast<int>(r.affected_rows());
}

}  // namespace parley::auth
