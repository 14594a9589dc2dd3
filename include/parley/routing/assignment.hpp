#pragma once
// One automatic assignment = one transaction (docs/OPERATIONS.md "Routing"):
//   the event-order lock (conversation/event_writer.hpp) → the online agents' rows FOR UPDATE,
//   in id order → the agent with room the mode picks (a fresh snapshot, counted under those
//   locks) → the oldest queued conversation FOR UPDATE SKIP LOCKED → Assign through
//   Conversations (the event every inbox and the visitor hear) → COMMIT.
// Whichever process runs it, a conversation is assigned once and no agent passes capacity:
// open counts are read while every writer of assignments waits for the same locks.
#include <cstdint>
#include <optional>

#include "parley/conversation/conversations.hpp"

namespace parley::routing {

struct Assigned {
  std::int64_t conversation_id = 0;
  std::int64_t agent_id = 0;
  double waited_seconds = 0;  // since it began waiting for a person
};

// Assigns the oldest queued conversation if the mode is automatic and an online agent has room;
// nullopt otherwise (nothing written).
std::optional<Assigned> assign_next(store::DbConn& conn, conversation::EventsCommitted& committed,
                                    conversation::Conversations& conversations);

// The away release: while it is on (and the mode is automatic), the open conversations of
// agents not online for that many minutes go back to the queue (at most `limit` per call).
// Returns how many were released.
int release_away(store::DbConn& conn, conversation::Conversations& conversations, int limit);

}  // namespace parley::routing
