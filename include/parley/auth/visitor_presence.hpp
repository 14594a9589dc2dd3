#pragma once
// Which visitors have the widget open, as every process sees it (tables server_process and
// visitor_presence, migrations/0022_visitor_presence.sql). The process that commits an agent's
// reply decides in that transaction whether to email it (mail/outbox.hpp): a visitor chatting
// live on another process must count as connected. Each process writes only its own rows;
// chat/visitor_presence_sync.hpp decides when.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "parley/store/db_conn.hpp"

namespace parley::auth {

// Stamps this process alive and applies a change of its visitors, in one transaction:
// `arrived` now have a tab open here, `left` have none. With `replace_all`, this process's
// rows become exactly `arrived` (after a failed write, or when its rows were lost).
// Answers false when the process row had to be created: nothing of this process was stored
// (first write, PostgreSQL lost the unlogged tables, or housekeeping took a stalled process
// for dead), so the caller writes everything again.
bool store_visitor_presence(store::DbConn& conn, const std::string& process_id, const std::vector<std::int64_t>& arrived,
                            const std::vector<std::int64_t>& left, bool replace_all);

// Of `visitor_ids`, those with a tab open on a live process other than `process_id`.
std::set<std::int64_t> visitors_connected_elsewhere(store::DbConn& conn, pqxx::transaction_base& txn,
                                                    const std::string& process_id,
                                                    const std::vector<std::int64_t>& visitor_ids);

// At a clean stop: this process's rows go at once (not 20 s later).
void forget_process(store::DbConn& conn, const std::string& process_id);

// Deletes the processes (and their visitors) that stopped stamping a minute ago (housekeeping).
int prune_stopped_processes(store::DbConn& conn);

}  // namespace parley::auth
