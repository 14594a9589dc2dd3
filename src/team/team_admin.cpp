#include "parley/team/team_admin.hpp"

#include "parley/auth/agent_accounts.hpp"
#include "parley/auth/display_name.hpp"
#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"

namespace parley::team {
namespace {


// One agent as the team page shows it.
const store::Statement kTeam{"team_list", R"SQL(
SELECT coalesce(json_agg(m.doc ORDER BY lower(m.name), m.id), '[]'::json)::text FROM (
  SELECT a.id, a.name, json_build_object('id', a.id, 'email', a.email, 'name', a.name, 'role', a.role,
    'status', CASE WHEN a.invited THEN 'invited' WHEN a.disabled THEN 'disabled' ELSE 'active' END,
    'presence', a.presence, 'createdAt', parley_time(a.created_at),
    'linkExpiresAt', (SELECT parley_time(l.expires_at) FROM agent_link l
                      WHERE l.agent_id = a.id AND l.used_at IS NULL AND l.voided_at IS NULL AND l.expires_at > now())) AS doc
  FROM agent a) m)SQL"};

const store::Statement kMember{"team_member", R"SQL(
SELECT json_build_object('id', a.id, 'email', a.email, 'name', a.name, 'role', a.role,
  'status', CASE WHEN a.invited THEN 'invited' WHEN a.disabled THEN 'disabled' ELSE 'active' END,
  'presence', a.presence, 'createdAt', parley_time(a.created_at),
  'linkExpiresAt', (SELECT parley_time(l.expires_at) FROM agent_link l
                    WHERE l.agent_id = a.id AND l.used_at IS NULL AND l.voided_at IS NULL AND l.expires_at > now()))::text
FROM agent a WHERE a.id = $1)SQL"};

// An invited agent cannot log in: disabled until the invitation is accepted, and an empty
// password hash that no password verifies against.
const store::Statement kInsertInvited{"team_insert_invited", R"SQL(
INSERT INTO agent (email, name, role, password_hash, disabled, invited)
VALUES ($1, $2, $3::agent_role, '', true, true) RETURNING id)SQL"};

// Taken after the active admins (auth::lock_active_admins) in every guarded change: no deadlock.
const store::Statement kLockAgent{"team_lock_agent", R"SQL(
SELECT role::text, disabled, invited, password_hash = '' FROM agent WHERE id = $1 FOR UPDATE)SQL"};

const store::Statement kSetDisabled{"team_set_disabled",
                                    "UPDATE agent SET disabled = $2, invited = false WHERE id = $1"};
const store::Statement kSetInvited{"team_set_invited", "UPDATE agent SET invited = true WHERE id = $1"};
const store::Statement kVoidLive{"team_void_link", R"SQL(
UPDATE agent_link SET voided_at = now() WHERE agent_id = $1 AND used_at IS NULL AND voided_at IS NULL)SQL"};
const store::Statement kEndSessions{"team_end_sessions", "DELETE FROM agent_session WHERE agent_id = $1"};
const store::Statement kSetRole{"team_set_role", "UPDATE agent SET role = $2::agent_role WHERE id = $1"};

nlohmann::json member(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t id) {
  auto r = conn.exec(txn, kMember, id);
  if (r.empty()) throw ApiError::not_found("No such agent");
  return nlohmann::json::parse(r[0][0].c_str());
}

struct Locked {
  std::string role;
  bool disabled = false;
  bool invited = false;
  bool no_password = false;
};

Locked lock_agent(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t id) {
  auto r = conn.exec(txn, kLockAgent, id);
  if (r.empty()) throw ApiError::not_found("No such agent");
  return {r[0][0].c_str(), r[0][1].as<bool>(), r[0][2].as<bool>(), r[0][3].as<bool>()};
}

std::string valid_email(const std::string& email) {
  if (email.empty() || email.size() > 320 || email.find('@') == std::string::npos || email.front() == '@' ||
      email.back() == '@' || email.find_first_of(" \t\r\n<>,;\"") != std::string::npos) {
    throw ApiError::invalid_field("email is not an email address");
  }
  return validated_text(email, "email", TextKind::single_line);
}

}  // namespace

nlohmann::json list_team(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  return nlohmann::json::parse(conn.exec(txn, kTeam)[0][0].c_str());
}

IssuedLink invite_agent(store::DbConn& conn, const Admin& by, const std::string& email, const std::string& name,
                        const std::string& role, const std::string& public_origin) {
  std::string address = valid_email(email);
  std::string display_name = auth::valid_display_name(name);
  if (role != "admin" && role != "agent") throw ApiError::invalid_field("role must be admin or agent");
  pqxx::work txn(conn.raw());
  std::int64_t id = 0;
  try {
    id = conn.exec(txn, kInsertInvited, address, display_name, role)[0][0].as<std::int64_t>();
  } catch (const pqxx::unique_violation&) {
    throw ApiError::conflict("An agent with that email already exists");
  }
  IssuedLink link = write_link(conn, txn, id, true, by.id, by.name, public_origin);
  link.agent = member(conn, txn, id);
  txn.commit();
  return link;
}

IssuedLink issue_link(store::DbConn& conn, const Admin& by, std::int64_t agent_id, const std::string& public_origin) {
  pqxx::work txn(conn.raw());
  Locked target = lock_agent(conn, txn, agent_id);
  bool invite = target.no_password;
  if (target.disabled && !invite) {
    throw ApiError(409, "agent_disabled", "This agent is disabled: enable them before resetting their password.");
  }
  if (invite) conn.exec(txn, kSetInvited, agent_id);  // a revoked invitation, sent again
  IssuedLink link = write_link(conn, txn, agent_id, invite, by.id, by.name, public_origin);
  link.agent = member(conn, txn, agent_id);
  txn.commit();
  return link;
}

nlohmann::json set_agent_disabled(store::DbConn& conn, std::int64_t agent_id, bool disabled) {
  pqxx::work txn(conn.raw());
  auto admins = disabled ? auth::lock_active_admins(conn, txn) : std::vector<std::int64_t>();
  Locked target = lock_agent(conn, txn, agent_id);
  if (disabled) {
    auth::keep_an_admin(admins, agent_id);
    conn.exec(txn, kSetDisabled, agent_id, true);
    conn.exec(txn, kVoidLive, agent_id);  // a pending invitation is revoked
    conn.exec(txn, kEndSessions, agent_id);
  } else {
    if (target.no_password) {
      throw ApiError(409, "never_activated", "This agent never set a password: send them a new invitation.");
    }
    conn.exec(txn, kSetDisabled, agent_id, false);
  }
  auto out = member(conn, txn, agent_id);
  txn.commit();
  return out;
}

nlohmann::json set_agent_role(store::DbConn& conn, std::int64_t agent_id, const std::string& role) {
  if (role != "admin" && role != "agent") throw ApiError::invalid_field("role must be admin or agent");
  pqxx::work txn(conn.raw());
  auto admins = role == "agent" ? auth::lock_active_admins(conn, txn) : std::vector<std::int64_t>();
  lock_agent(conn, txn, agent_id);
  if (role == "agent") auth::keep_an_admin(admins, agent_id);
  conn.exec(txn, kSetRole, agent_id, role);
  auto out = member(conn, txn, agent_id);
  txn.commit();
  return out;
}

}  // namespace parley::team
