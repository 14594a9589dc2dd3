#pragma once
// Time to assignment as the Routing page shows it (GET /api/routing/waits, docs/INBOX.md
// "Routing"): the queue now, and how long the conversations assigned from the queue over the last
// 24 hours and 7 days had waited — automatic and manual assignments alike. Computed in PostgreSQL
// from the assignment table (migrations/0023_assignments.sql), so every process and a restart
// agree; the window is an index-only range scan, whatever the history's size.
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::routing {

// {"queue":{"length","oldestWaitingSeconds"},
//  "day"|"week":{"assigned","automatic","manual","medianSeconds"|null,"p90Seconds"|null}}
std::string waits_json(store::DbConn& conn);

}  // namespace parley::routing
