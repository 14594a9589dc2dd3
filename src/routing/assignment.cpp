#include "parley/routing/assignment.hpp"

#include "parley/routing/settings.hpp"
#include "parley/store/array_literal.hpp"
#include "queue_sql.hpp"

namespace parley::routing {
namespace {

const store::Statement kMode{"routing_mode", "SELECT mode FROM routing_settings WHERE id = 1"};
// Locks the online agents in id order (as auth/agent_presence.cpp does): their presence and
// their open conversations cannot change under this transaction.
const store::Statement kLockOnline{"routing_lock_online",
                                   "SELECT a.id FROM agent a WHERE " PARLEY_ROUTING_ONLINE("a")
                                   " ORDER BY a.id FOR UPDATE OF a"};
// A new statement, so a new snapshot: taken after the locks above were granted. $2: the mode.
const store::Statement kPickAgent{
    "routing_pick_agent",
    "SELECT a.id FROM agent a CROSS JOIN LATERAL (SELECT count(*) AS open FROM conversation c "
    "  WHERE c.assigned_agent_id = a.id AND c.status = 'ASSIGNED') o "
    "WHERE a.id = ANY($1::bigint[]) AND " PARLEY_ROUTING_ONLINE("a") " AND o.open < a.routing_capacity "
    "ORDER BY CASE WHEN $2 = 'balanced' THEN o.open ELSE 0 END, a.last_assigned_at NULLS FIRST, a.id LIMIT 1"};
const store::Statement kNextQueued{"routing_next_queued",
                                   "SELECT c.id, extract(epoch FROM now() - c.waiting_since)::float8 "
                                   "FROM conversation c WHERE " PARLEY_ROUTING_QUEUED("c")
                                   " ORDER BY c.waiting_since, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED"};

// Read by the trigger that records the assignment (migrations/0023_assignments.sql): this
// transaction's assignment is the router's. Transaction-local: gone at COMMIT or ROLLBACK.
const store::Statement kMarkAutomatic{"routing_mark_automatic", "SELECT set_config('parley.assignment', 'automatic', true)"};

const store::Statement kAwayRelease{"routing_away_release", "SELECT away_release_minutes FROM routing_settings "
                                                            "WHERE id = 1 AND mode <> 'manual' "
                                                            "AND away_release_minutes IS NOT NULL"};
// Never online since the feature existed counts as away for long.
const store::Statement kAwayAssigned{
    "routing_away_assigned",
    "SELECT c.id, c.version FROM conversation c JOIN agent a ON a.id = c.assigned_agent_id "
    "WHERE c.status = 'ASSIGNED' AND NOT (" PARLEY_ROUTING_ONLINE("a") ") "
    "AND (a.last_online_at IS NULL OR a.last_online_at < now() - make_interval(mins => $1)) "
    "ORDER BY c.id LIMIT $2"};

}  // namespace

std::optional<Assigned> assign_next(store::DbConn& conn, conversation::EventsCommitted& committed,
                                    conversation::Conversations& conversations) {
  // Manual (the default): no look takes the event-order lock every writer shares. A switch to
  // an automatic mode wakes the router itself, so nothing is missed by looking first.
  if (read_settings(conn).mode == Mode::Manual) return std::nullopt;
  conversation::EventTransaction tx(conn, committed);
  auto mode_row = conn.exec(tx.txn(), kMode);
  std::string mode = mode_row.empty() ? "manual" : mode_row[0][0].c_str();
  if (mode == "manual") return std::nullopt;
  auto online_rows = conn.exec(tx.txn(), kLockOnline);
  if (online_rows.empty()) return std::nullopt;
  auto online = store::array_literal(online_rows, [](const auto& row) { return std::string(row[0].c_str()); });
  auto agent = conn.exec(tx.txn(), kPickAgent, online, mode);
  if (agent.empty()) return std::nullopt;
  auto queued = conn.exec(tx.txn(), kNextQueued);
  if (queued.empty()) return std::nullopt;
  Assigned a{queued[0][0].as<std::int64_t>(), agent[0][0].as<std::int64_t>(), queued[0][1].as<double>()};
  conversation::ChangeRequest request;
  request.conversation_id = a.conversation_id;
  request.action = conversation::Action::Assign;
  request.assignee = a.agent_id;
  conn.exec(tx.txn(), kMarkAutomatic);
  auto result = conversations.change_in(tx, request);
  if (result.kind != conversation::ChangeResult::Kind::Changed) return std::nullopt;  // rolled back
  // agent.last_assigned_at is set by a trigger (migrations/0019_routing.sql), for every assignment.
  tx.commit();
  return a;
}

int release_away(store::DbConn& conn, conversation::Conversations& conversations, int limit) {
  std::vector<std::pair<std::int64_t, std::int64_t>> ids;  // id, version
  {
    pqxx::read_transaction txn(conn.raw());
    auto minutes = conn.exec(txn, kAwayRelease);
    if (minutes.empty()) return 0;
    for (const auto& row : conn.exec(txn, kAwayAssigned, minutes[0][0].as<int>(), limit)) {
      ids.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
    }
  }
  int released = 0;
  for (auto [id, version] : ids) {
    conversation::ChangeRequest request;
    request.conversation_id = id;
    request.seen_version = version;  // changed meanwhile (taken over, resolved): left alone
    request.action = conversation::Action::Unassign;
    // One transaction each, through the conversation's room: the agents and the visitor hear it.
    if (conversations.change(conn, request).kind == conversation::ChangeResult::Kind::Changed) ++released;
  }
  return released;
}

}  // namespace parley::routing
