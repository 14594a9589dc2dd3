#pragma once
// Agents, their passwords and their sessions. Database work: call on a database thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

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

// Ends every session of the agent.
void end_sessions(store::DbConn& conn, std::int64_t agent_id);

// Stores the agent's online/away preference ("online" | "away").
void set_presence(store::DbConn& conn, std::int64_t agent_id, const std::string& presence);

// Checks the current password, sets the new one and ends every session; throws 401/400.
void change_password(store::DbConn& conn, std::int64_t agent_id, const std::string& current, const std::string& next);

}  // namespace parley::auth
