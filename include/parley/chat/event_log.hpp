#pragma once
// The commit-ordered event log every process reads (migrations/0003_event_log.sql).
// Writers: take the order lock first thing in the transaction, append, notify.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parley/chat/hub.hpp"
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

// One row of the log as read, its columns as text (null: not set).
struct EventRow {
  std::string_view frame;
  bool to_agents = false;
  std::int64_t visitor_id = 0;            // 0: none
  const char* visitor_frame = nullptr;
  const char* visitor_ids = nullptr;      // a bigint[] literal: `frame` is one frame per line
};

// What a row delivers, appended to `out` in order. A batch row (migration 0005) becomes one
// delivery per line; `senders`, when given, names the socket that sent line i (it gets no
// echo). Throws std::invalid_argument on a batch row whose lines and visitor ids do not pair
// up — a row no version of Parley writes.
void append_deliveries(const EventRow& row, std::vector<Hub::Delivery>& out,
                       const std::vector<std::weak_ptr<ClientLink>>& senders = {});

// One wake-up for every reader, delivered when the transaction commits.
void notify_events(store::DbConn& conn, pqxx::transaction_base& txn);

}  // namespace parley::chat
