#include "parley/auth/agent_accounts.hpp"
#include "parley/auth/display_name.hpp"

#include <algorithm>
#include <string_view>

#include "parley/store/array_literal.hpp"

#include "parley/auth/crypto.hpp"
#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/core/text.hpp"

namespace parley::auth {
namespace {

const store::Statement kInsertAgent{"agent_insert", R"SQL(
INSERT INTO agent (email, name, role, password_hash) VALUES ($1, $2, $3::agent_role, $4)
RETURNING id)SQL"};
// Disabled agents too: the right password for a disabled account gets a clear refusal.
const store::Statement kAgentByEmail{"agent_by_email",
                                     "SELECT id, password_hash, disabled FROM agent WHERE lower(email) = lower($1)"};
const store::Statement kActiveAgentDocs{"agent_docs", "SELECT doc::text FROM agent_doc ORDER BY lower(doc->>'name'), id"};
const store::Statement kAgentDoc{"agent_doc_by_id", "SELECT id, doc->>'name', doc::text FROM agent_doc WHERE id = $1"};
const store::Statement kInsertSession{"session_insert", R"SQL(
INSERT INTO agent_session (token_hash, agent_id, expires_at) VALUES ($1, $2, now() + make_interval(days => $3)))SQL"};
const store::Statement kSessionAgent{"session_agent", R"SQL(
SELECT d.id, d.doc->>'name', d.doc::text FROM agent_session s JOIN agent_doc d ON d.id = s.agent_id
WHERE s.token_hash = $1 AND s.expires_at > now())SQL"};
const store::Statement kEndSessions{"session_end_all", "DELETE FROM agent_session WHERE agent_id = $1"};
const store::Statement kPasswordHash{"agent_password_hash", "SELECT password_hash FROM agent WHERE id = $1"};
const store::Statement kLockActiveAdmins{"agent_lock_active_admins", R"SQL(
SELECT id FROM agent WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE)SQL"};
const store::Statement kSetDisabled{"agent_set_disabled",
                                    "UPDATE agent SET disabled = $2 WHERE lower(email) = lower($1) RETURNING id"};
const store::Statement kAgentIdByEmail{"agent_id_by_email", "SELECT id FROM agent WHERE lower(email) = lower($1)"};
const store::Statement kWithoutSession{"agents_without_session", R"SQL(
SELECT a.id FROM agent a WHERE a.id = ANY($1::bigint[]) AND (a.disabled OR NOT EXISTS (
  SELECT 1 FROM agent_session s WHERE s.agent_id = a.id AND s.expires_at > now())))SQL"};
const store::Statement kSetPresence{"agent_set_presence", "UPDATE agent SET presence = $2::agent_presence WHERE id = $1"};
// An invited agent (migration 0017) who is given a password (the CLI's reset) is active from then on.
const store::Statement kSetPassword{"agent_set_password", R"SQL(
UPDATE agent SET password_hash = $2, disabled = disabled AND NOT invited, invited = false WHERE id = $1)SQL"};
const store::Statement kNeverActivated{"agent_never_activated",
                                       "SELECT password_hash = '' FROM agent WHERE lower(email) = lower($1)"};
const store::Statement kRename{"agent_rename",
                               "UPDATE agent SET name = $2 WHERE id = $1 AND NOT disabled RETURNING id"};

AgentRecord record_from(const pqxx::row& row) {
  return AgentRecord{row[0].as<std::int64_t>(), row[1].c_str(), nlohmann::json::parse(row[2].c_str())};
}

void check_password_rules(const std::string& password) {
  if (password.size() < kMinPasswordLength) throw ApiError::invalid_field("password must be at least 8 characters");
  if (password.size() > 256) throw ApiError::invalid_field("password must be at most 256 characters");
}

}  // namespace

// The display name as stored — what visitors and colleagues see: surrounding white space
// trimmed, then 1-80 characters (code points) of text a person can see (validated_text: valid
// UTF-8, no control characters, no bidi overrides).
std::string valid_display_name(const std::string& raw) {
  auto text = trimmed(raw);
  if (text.empty()) throw ApiError::invalid_field("name must not be empty");
  std::string name = validated_text(text, "name", TextKind::single_line);
  if (code_points(name) > 80) throw ApiError::invalid_field("name must be at most 80 characters");
  return name;
}

AgentRecord add_agent(store::DbConn& conn, const std::string& email, const std::string& name, const std::string& role,
                      const std::string& password) {
  if (email.empty() || email.size() > 320 || email.find('@') == std::string::npos) {
    throw ApiError::invalid_field("email is not an email address");
  }
  validated_text(email, "email", TextKind::single_line);
  std::string display_name = valid_display_name(name);
  if (role != "admin" && role != "agent") throw ApiError::invalid_field("role must be admin or agent");
  check_password_rules(password);
  std::string hash = hash_password(password);
  pqxx::work txn(conn.raw());
  try {
    auto id = conn.exec(txn, kInsertAgent, email, display_name, role, hash)[0][0].as<std::int64_t>();
    auto doc = conn.exec(txn, kAgentDoc, id);
    txn.commit();
    return record_from(doc[0]);
  } catch (const pqxx::unique_violation&) {
    throw ApiError::conflict("An agent with that email already exists");
  }
}

// The right password of a disabled agent throws ApiError 403 account_disabled: a clear refusal
// (an invited agent has no password yet, so never gets that far).
std::optional<LoginResult> login(store::DbConn& conn, const std::string& email, const std::string& password) {
  // Hashed once at start so an unknown email costs the same as a wrong password.
  static const std::string kDummyHash = hash_password("not a real password");
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kAgentByEmail, email);
  bool ok = verify_password(r.empty() ? kDummyHash : std::string(r[0][1].c_str()), password) && !r.empty();
  if (!ok) return std::nullopt;
  if (r[0][2].as<bool>()) {
    throw ApiError(403, "account_disabled", "This account is disabled. Ask an administrator to enable it.");
  }
  std::int64_t id = r[0][0].as<std::int64_t>();
  LoginResult result;
  result.session_token = random_token();
  conn.exec(txn, kInsertSession, pqxx::binarystring(token_digest(result.session_token)), id, kSessionDays);
  result.agent = record_from(conn.exec(txn, kAgentDoc, id)[0]);
  txn.commit();
  return result;
}

std::vector<std::string> active_agent_docs(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  std::vector<std::string> docs;
  for (const auto& row : conn.exec(txn, kActiveAgentDocs)) docs.emplace_back(row[0].c_str());
  return docs;
}

std::optional<AgentRecord> agent_for_session(store::DbConn& conn, const std::string& session_token) {
  if (session_token.empty() || session_token.size() > 100) return std::nullopt;
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kSessionAgent, pqxx::binarystring(token_digest(session_token)));
  if (r.empty()) return std::nullopt;
  return record_from(r[0]);
}

void end_sessions(store::DbConn& conn, std::int64_t agent_id) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kEndSessions, agent_id);
  txn.commit();
}

std::vector<std::int64_t> lock_active_admins(store::DbConn& conn, pqxx::transaction_base& txn) {
  std::vector<std::int64_t> ids;
  for (const auto& row : conn.exec(txn, kLockActiveAdmins)) ids.push_back(row[0].as<std::int64_t>());
  return ids;
}

void keep_an_admin(const std::vector<std::int64_t>& active_admins, std::int64_t agent_id) {
  if (active_admins.size() == 1 && active_admins[0] == agent_id) {
    throw ApiError(409, "last_admin", "This is the last active admin: make another agent an admin first.");
  }
}

std::int64_t set_disabled(store::DbConn& conn, const std::string& email, bool disabled) {
  pqxx::work txn(conn.raw());
  if (disabled) {
    auto admins = lock_active_admins(conn, txn);
    auto target = conn.exec(txn, kAgentIdByEmail, email);
    if (!target.empty()) keep_an_admin(admins, target[0][0].as<std::int64_t>());
  } else {
    auto never = conn.exec(txn, kNeverActivated, email);
    if (!never.empty() && never[0][0].as<bool>()) {
      throw ApiError::conflict("This agent never set a password: invite them again from the inbox, or set one with "
                               "`parley agent password`");
    }
  }
  auto r = conn.exec(txn, kSetDisabled, email, disabled);
  if (r.empty()) throw ApiError::not_found("No agent with that email");
  std::int64_t id = r[0][0].as<std::int64_t>();
  if (disabled) conn.exec(txn, kEndSessions, id);
  txn.commit();
  return id;
}

std::int64_t reset_password(store::DbConn& conn, const std::string& email, const std::string& password) {
  check_password_rules(password);
  std::string hash = hash_password(password);
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kAgentIdByEmail, email);
  if (r.empty()) throw ApiError::not_found("No agent with that email");
  std::int64_t id = r[0][0].as<std::int64_t>();
  conn.exec(txn, kSetPassword, id, hash);
  conn.exec(txn, kEndSessions, id);
  txn.commit();
  return id;
}

AgentRecord rename_agent(store::DbConn& conn, const std::string& email, const std::string& name) {
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kAgentIdByEmail, email);
  if (r.empty()) throw ApiError::not_found("No agent with that email");
  auto renamed = rename_agent(conn, txn, r[0][0].as<std::int64_t>(), name);
  txn.commit();
  return renamed;
}

std::vector<std::int64_t> agents_without_session(store::DbConn& conn, const std::vector<std::int64_t>& agent_ids) {
  std::string ids = store::array_literal(agent_ids, [](std::int64_t id) { return std::to_string(id); });
  pqxx::read_transaction txn(conn.raw());
  std::vector<std::int64_t> out;
  for (const auto& row : conn.exec(txn, kWithoutSession, ids)) out.push_back(row[0].as<std::int64_t>());
  return out;
}

void set_presence(store::DbConn& conn, std::int64_t agent_id, const std::string& presence) {
  if (presence != "online" && presence != "away") throw ApiError::invalid_field("status must be online or away");
  pqxx::work txn(conn.raw());
  conn.exec(txn, kSetPresence, agent_id, presence);
  txn.commit();
}

void change_password(store::DbConn& conn, std::int64_t agent_id, const std::string& current, const std::string& next) {
  check_password_rules(next);
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kPasswordHash, agent_id);
  if (r.empty() || !verify_password(r[0][0].c_str(), current)) {
    throw ApiError(401, "bad_credentials", "The current password is wrong");
  }
  conn.exec(txn, kSetPassword, agent_id, hash_password(next));
  conn.exec(txn, kEndSessions, agent_id);
  txn.commit();
}

AgentRecord rename_agent(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t agent_id,
                         const std::string& name) {
  std::string clean = valid_display_name(name);
  if (conn.exec(txn, kRename, agent_id, clean).empty()) throw ApiError::not_found("No such agent");
  return record_from(conn.exec(txn, kAgentDoc, agent_id)[0]);
}

}  // namespace parley::auth
