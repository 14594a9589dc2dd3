#pragma once
// Read receipts: how far the visitor and each agent have read a conversation
// (migrations/0008_read_positions.sql). A position only moves forward; every advance is
// appended to the event log in the same transaction, so every process delivers it to its
// agent sockets (`{"type":"read",…}`, docs/PROTOCOL.md).
#include <cstdint>
#include <optional>

#include "parley/conversation/event_writer.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::conversation {

// Who read: the conversation's visitor (agent_id 0, visitor_id set) or an agent.
struct Reader {
  std::int64_t visitor_id = 0;
  std::int64_t agent_id = 0;
  static Reader visitor(std::int64_t id) { return {id, 0}; }
  static Reader agent(std::int64_t id) { return {0, id}; }
  bool is_agent() const { return agent_id != 0; }
};

struct ReadMark {
  bool advanced = false;       // false: the position was already there or further (nothing written)
  std::int64_t position = 0;   // the reader's position now
};

class ReadPositions {
 public:
  explicit ReadPositions(EventsCommitted& committed) : committed_(committed) {}

  // Moves the reader's position in `conversation_id` up to message `up_to`. Throws ApiError 404
  // when that message is not one of the conversation's, or the conversation is not this
  // visitor's. A position at or past `up_to` is left as it is, and nothing is appended: the
  // event-order lock is taken only for a read that is likely to advance.
  ReadMark mark(store::DbConn& conn, const Reader& reader, std::int64_t conversation_id, std::int64_t up_to);

 private:
  EventsCommitted& committed_;
};

// The `read` frame every agent socket receives when a position advanced.
std::string read_event_frame(const Reader& reader, std::int64_t conversation_id, std::int64_t position);

}  // namespace parley::conversation
