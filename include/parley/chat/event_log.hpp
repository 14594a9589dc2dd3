#pragma once
// The commit-ordered event log every process reads (migrations/0003_event_log.sql).
// Writers: take the order lock first thing in the transaction, append, notify.
#include <cstdint>
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::chat {

inline constexpr const char* kEventsChannel = "parley_events";    // wake-up: new rows in event_log
inline constexpr const char* kSignalsChannel = "parley_signals";  // ephemeral: typing, presence, …

// Serialises the transactions that append events, so their rows commit in seq order. Must
// be the first thing such a transaction does (before any row lock), in every process.
void lock_event_order(store::DbConn& conn, pqxx::transaction_base& txn);

// Appends a conversation change: the full document for agents, its id/status/version for
// the conversation's visitor.
void append_conversation_event(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& conversation_doc);

// One wake-up for every reader, delivered when the transaction commits.
void notify_events(store::DbConn& conn, pqxx::transaction_base& txn);

}  // namespace parley::chat
