#pragma once
// The queue, as SQL shared by the statements of this layer: a conversation waits for automatic
// assignment while it is open, nobody has it, the FAQ bot does not hold it (docs/BOT.md) and
// the visitor has written. Oldest waiting first (waiting_since, kept by a trigger).
#define PARLEY_ROUTING_QUEUED(c)                                                                   \
  c ".status = 'OPEN' AND " c ".assigned_agent_id IS NULL AND coalesce(" c                          \
  ".bot_state, '') NOT IN ('pending', 'waiting') AND EXISTS (SELECT 1 FROM message m WHERE "       \
  "m.conversation_id = " c ".id AND m.sender = 'VISITOR')"

// An agent online in some process that re-wrote its presence lately (auth/agent_presence.hpp),
// and not away by preference.
#define PARLEY_ROUTING_ONLINE(a)                                                                   \
  "NOT " a ".disabled AND " a ".presence = 'online' AND EXISTS (SELECT 1 FROM presence_by_process p "   \
  "WHERE p.agent_id = " a ".id AND p.online AND p.seen_at > now() - interval '20 seconds')"
