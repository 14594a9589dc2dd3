#pragma once
// Agents, their passwords and their sessions. Database work: call on a database thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parley/store/db_conn.hpp"

namespace parley::auth {

inline constexpr const char* kSessionCookie = "parley_session";
inline constexpr int kSessionDays = 30;
inline constexpr std::size_t kMinPasswordLength = 8;

struct AgentRecord {
  std::int64_t id = 0;
  std::string name;
  nlohmann::json doc;  // the Agent document
};

struct LoginResult {
  AgentRecord agent;
  std::string session_token;
};

// Creates an agent; throws ApiError 409 when the email is taken, 400 on bad input.
AgentRecord add_agent(store::DbConn& conn, const std::string& email, const std::string& name,
                      const std::string& role, const std::string& password);

// The agent when the password is right; nullopt otherwise (same work either way).
std::optional<LoginResult> login(store::DbConn& conn, const std::string& email, const std::string& password);

std::optional<AgentRecord> agent_for_session(store::DbConn& conn, const std::string& session_token);

// Every active agent's Agent document (id, email, name, role, status), by name.
std::vector<std::string> active_agent_docs(store::DbConn& conn);

// Ends every session of the agent.
void end_sessions(store::DbConn& conn, std::int64_t agent_id);

// Disables (or enables) an agent by email; disabling ends every session. Returns the
// agent's id; throws 404 when there is no such agent, 409 last_admin for the last active admin.
std::int64_t set_disabled(store::DbConn& conn, const std::string& email, bool disabled);

// The team always keeps an active admin (someone can run it from the inbox). Whoever disables
// or demotes an agent first locks the active admins' rows — in id order, before any other agent
// row, so two admins demoting each other at once go one after the other — and then asks
// keep_an_admin, which throws 409 last_admin when `agent_id` is the only one of them.
std::vector<std::int64_t> lock_active_admins(store::DbConn& conn, pqxx::transaction_base& txn);
void keep_an_admin(const std::vector<std::int64_t>& active_admins, std::int64_t agent_id);

// Sets a new password by email (an operator's reset) and ends every session; returns the id.
std::int64_t reset_password(store::DbConn& conn, const std::string& email, const std::string& password);

// rename_agent (below) by email, in a transaction of its own (the CLI); 404 when there is no such
// (enabled) agent.
AgentRecord rename_agent(store::DbConn& conn, const std::string& email, const std::string& name);

// Of these agents, those who no longer have a valid session (logged out elsewhere,
// disabled, expired): their sockets must close.
std::vector<std::int64_t> agents_without_session(store::DbConn& conn, const std::vector<std::int64_t>& agent_ids);

// Stores the agent's online/away preference ("online" | "away").
void set_presence(store::DbConn& conn, std::int64_t agent_id, const std::string& presence);

// Checks the current password, sets the new one and ends every session; throws 401/400.
void change_password(store::DbConn& conn, std::int64_t agent_id, const std::string& current, const std::string& next);

// Sets the agent's display name and returns the updated record; the caller commits `txn`.
// The name is trimmed and must then be 1-80 characters without control characters (400
// otherwise); 404 when there is no such (enabled) agent.
AgentRecord rename_agent(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t agent_id,
                         const std::string& name);

}  // namespace parley::auth
