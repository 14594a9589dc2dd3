#pragma once
// Who of the agents is online, as every process sees it (table presence_by_process,
// migrations/0019_routing.sql): automatic assignment decides in PostgreSQL, so a process must
// know about agents connected to another. Each process writes the rows of its own connected
// agents — at once when they change, and again every few seconds; rows a process stopped
// re-writing (it was killed) count for nothing after 20 s (src/routing/queue_sql.hpp).
#include <cstdint>
#include <map>
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::auth {

// Replaces this process's rows with `agents` (agent id → online, i.e. connected and not away)
// in one transaction that locks those agents' rows first: an assignment (which locks the
// online agents' rows) sees presence either before or after it, never half of it.
void store_presence(store::DbConn& conn, const std::string& process_id, const std::map<std::int64_t, bool>& agents);

// Deletes rows no process has re-written for a minute (housekeeping).
int prune_presence(store::DbConn& conn);

}  // namespace parley::auth
