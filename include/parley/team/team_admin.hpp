#pragma once
// What admins do to the team from the inbox (docs/INBOX.md, "Team and profile"): list agents,
// invite one, disable/enable, change a role. Database work: call on a database thread. The
// caller closes a disabled agent's sockets (every process) after the commit.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "parley/store/db_conn.hpp"
#include "parley/team/agent_links.hpp"

namespace parley::team {

// Every agent, invited and disabled ones included, by name:
// [{id, email, name, role, status: "active"|"disabled"|"invited", presence, createdAt,
//   linkExpiresAt (the live link's, or null)}].
nlohmann::json list_team(store::DbConn& conn);

struct Admin {
  std::int64_t id = 0;
  std::string name;
};

// A new agent in the invited state with a 48-hour invitation link, emailed through the outbox.
// 409 when the email is taken, 400 on a bad email, name (trimmed, 1-80 characters) or role.
IssuedLink invite_agent(store::DbConn& conn, const Admin& by, const std::string& email, const std::string& name,
                        const std::string& role, const std::string& public_origin);

// A new link for the agent, voiding the live one: an invitation again while they never set a
// password, otherwise a password reset. 409 for a disabled agent who has a password (enable
// them first), 404 for no such agent.
IssuedLink issue_link(store::DbConn& conn, const Admin& by, std::int64_t agent_id, const std::string& public_origin);

// Disables (ending every session, voiding a live link) or enables the agent; returns their
// team entry. 409 when it would leave no active admin, or when enabling an agent who never set
// a password (they need an invitation).
nlohmann::json set_agent_disabled(store::DbConn& conn, std::int64_t agent_id, bool disabled);

// Sets the role ("admin" | "agent"); 409 when it would leave no active admin.
nlohmann::json set_agent_role(store::DbConn& conn, std::int64_t agent_id, const std::string& role);

}  // namespace parley::team
