#pragma once
// Storing a batch of messages (group commit): one statement inserts them, skips re-sends,
// bumps the conversations' activity and appends one event row for the whole batch — inside
// the caller's EventTransaction, so the batch is delivered in commit order like any event.
// The Message documents (the ack's and the event frame's) are built here in C++ from what the
// writer already knows; PostgreSQL only splices in the id and the time (docs/ARCHITECTURE.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parley/conversation/event_writer.hpp"

namespace parley::conversation {

// One message to store. Each (conversation_id, client_id) at most once per batch.
struct BatchRow {
  std::int64_t conversation_id = 0;
  std::string sender;  // VISITOR | AGENT | BOT
  std::optional<std::int64_t> agent_id;
  std::string agent_name;  // empty: none
  std::string client_id;
  std::string body;
};

// What became of input row i.
struct StoredRow {
  bool inserted = false;  // stored now
  bool exists = false;    // its client id was stored before (a re-send, or a clash)
  bool agent_refused = false;  // its agent is disabled
  std::int64_t id = 0;
  std::int64_t visitor_id = 0;
  std::optional<std::string> doc;  // the Message document; none when refused
};

struct StoredBatch {
  std::vector<StoredRow> rows;        // indexed by input row
  std::optional<std::int64_t> event_seq;  // the batch's event row, when anything was inserted
};

StoredBatch store_message_batch(EventTransaction& tx, const std::vector<BatchRow>& rows);

// The Message document's text between the id and the time, as store_message_batch builds it:
// `,"conversationId":…,"createdAt":"` (exposed for its unit test).
std::string message_doc_middle(const BatchRow& row);

}  // namespace parley::conversation
