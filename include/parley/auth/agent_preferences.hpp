#pragma once
// Each agent's notification preferences, kept server-side so they follow the agent between
// browsers (docs/INBOX.md, "Team and profile"). Database work: call on a database thread.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "parley/store/db_conn.hpp"

namespace parley::auth {

// {"desktop": bool, "sound": bool,
//  "events": {"newConversation": bool, "newMessageOnMine": bool, "mentions": bool}}
// — every field present; a field never set is true.
nlohmann::json notification_preferences(store::DbConn& conn, std::int64_t agent_id);

// The stored document with `changes` applied: only the fields above, booleans only (400
// otherwise); fields left out keep their value. Returns the full document.
nlohmann::json set_notification_preferences(store::DbConn& conn, std::int64_t agent_id, const nlohmann::json& changes);

// Pure: `stored` (any shape) → the full document with defaults (unknown fields dropped).
nlohmann::json complete_preferences(const nlohmann::json& stored);

}  // namespace parley::auth
