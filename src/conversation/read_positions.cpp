#include "parley/conversation/read_positions.hpp"

#include "parley/core/error.hpp"

namespace parley::conversation {
namespace {

// Outside the event-order lock: is `up_to` a message of this conversation, whose visitor is
// it, and where are the positions now. Most reads that do not advance (a replay, a second
// tab) end here without taking the lock every message batch takes.
const store::Statement kReadCheck{"read_check", R"SQL(
SELECT c.visitor_id,
       coalesce((SELECT message_id FROM visitor_read WHERE conversation_id = c.id), 0),
       coalesce((SELECT message_id FROM agent_read WHERE agent_id = $3 AND conversation_id = c.id), 0)
FROM message m JOIN conversation c ON c.id = m.conversation_id
WHERE m.id = $2 AND m.conversation_id = $1)SQL"};

// Forward only: the WHERE of the update keeps a further position; no row comes back then.
const store::Statement kVisitorAdvance{"read_visitor_advance", R"SQL(
INSERT INTO visitor_read AS r (conversation_id, message_id) VALUES ($1, $2)
ON CONFLICT (conversation_id) DO UPDATE SET message_id = excluded.message_id, read_at = now()
WHERE r.message_id < excluded.message_id
RETURNING r.message_id)SQL"};
const store::Statement kAgentAdvance{"read_agent_advance", R"SQL(
INSERT INTO agent_read AS r (agent_id, conversation_id, message_id) VALUES ($3, $1, $2)
ON CONFLICT (agent_id, conversation_id) DO UPDATE SET message_id = excluded.message_id, read_at = now()
WHERE r.message_id < excluded.message_id
RETURNING r.message_id)SQL"};

}  // namespace

std::string read_event_frame(const Reader& reader, std::int64_t conversation_id, std::int64_t position) {
  std::string out = R"({"type":"read","conversationId":)" + std::to_string(conversation_id);
  if (reader.is_agent()) {
    out += R"(,"reader":"agent","agentId":)" + std::to_string(reader.agent_id);
  } else {
    out += R"(,"reader":"visitor")";
  }
  return out + R"(,"upTo":)" + std::to_string(position) + "}";
}

ReadMark ReadPositions::mark(store::DbConn& conn, const Reader& reader, std::int64_t conversation_id,
                             std::int64_t up_to) {
  std::int64_t now_at = 0;
  {
    pqxx::read_transaction txn(conn.raw());
    auto r = conn.exec(txn, kReadCheck, conversation_id, up_to, reader.agent_id);
    // The same answer for "no such message" and "not your conversation": a visitor learns
    // nothing about other conversations.
    if (r.empty() || (!reader.is_agent() && r[0][0].as<std::int64_t>() != reader.visitor_id)) {
      throw ApiError::not_found("No such message in your conversation");
    }
    now_at = r[0][reader.is_agent() ? 2 : 1].as<std::int64_t>();
  }
  if (now_at >= up_to) return {false, now_at};

  EventTransaction tx(conn, committed_);
  auto advanced = reader.is_agent() ? conn.exec(tx.txn(), kAgentAdvance, conversation_id, up_to, reader.agent_id)
                                    : conn.exec(tx.txn(), kVisitorAdvance, conversation_id, up_to);
  if (advanced.empty()) {  // another socket moved it further meanwhile
    tx.commit();
    return {false, up_to};
  }
  tx.append_to_agents(read_event_frame(reader, conversation_id, up_to));
  tx.commit();
  return {true, up_to};
}

}  // namespace parley::conversation
