#pragma once
// Storing a batch of messages (group commit): one statement inserts them, skips re-sends,
// bumps the conversations' activity and appends one event row for the whole batch — inside
// the caller's EventTransaction, so the batch is delivered in commit order like any event.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parley/conversation/event_writer.hpp"

namespace parley::conversation {

// What became of input row i (the JSON's "i").
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

// `rows_json`: [{i, c: conversation, s: sender, a: agent id|null, an: agent name|null,
// k: client id, b: body}], i from 0 to batch_size - 1, each (c, k) at most once.
StoredBatch store_message_batch(EventTransaction& tx, const std::string& rows_json, std::size_t batch_size);

}  // namespace parley::conversation
