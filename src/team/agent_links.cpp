#include "parley/team/agent_links.hpp"

#include "parley/auth/crypto.hpp"
#include "parley/core/error.hpp"
#include "parley/mail/agent_link_email.hpp"

namespace parley::team {
namespace {

const store::Statement kVoidLive{"agent_link_void", R"SQL(
UPDATE agent_link SET voided_at = now() WHERE agent_id = $1 AND used_at IS NULL AND voided_at IS NULL)SQL"};

const store::Statement kInsertLink{"agent_link_insert", R"SQL(
INSERT INTO agent_link (agent_id, purpose, token_hash, created_by, expires_at)
VALUES ($1, $2, $3, NULLIF($4::bigint, 0), now() + make_interval(hours => $5))
RETURNING id, parley_time(expires_at), (SELECT email FROM agent WHERE id = $1), (SELECT name FROM agent WHERE id = $1))SQL"};

// The link with its agent, locked so two pages submitting the same token are one after the other.
const store::Statement kLinkByToken{"agent_link_by_token", R"SQL(
SELECT l.id, l.agent_id, l.purpose, l.used_at IS NOT NULL, l.voided_at IS NOT NULL, l.expires_at <= now(),
       a.email, a.name, a.disabled, a.invited, parley_time(l.expires_at)
FROM agent_link l JOIN agent a ON a.id = l.agent_id WHERE l.token_hash = $1 FOR UPDATE OF l)SQL"};

const store::Statement kSetPassword{"agent_link_set_password", R"SQL(
UPDATE agent SET password_hash = $2,
  disabled = CASE WHEN invited THEN false ELSE disabled END, invited = false WHERE id = $1)SQL"};
const store::Statement kMarkUsed{"agent_link_mark_used", "UPDATE agent_link SET used_at = now() WHERE id = $1"};
const store::Statement kEndSessions{"agent_link_end_sessions", "DELETE FROM agent_session WHERE agent_id = $1"};

struct LiveLink {
  std::int64_t id = 0;
  std::int64_t agent_id = 0;
  std::string purpose;
  nlohmann::json info;
  bool agent_disabled = false;
  bool agent_invited = false;
};

// The link behind `token`, or the ApiError that explains why it cannot be used.
LiveLink live_link(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& token) {
  // Tokens are 43 characters; anything else cannot be one (and is not hashed).
  if (token.empty() || token.size() > 100) {
    throw ApiError(404, "link_invalid", "This link is not valid. Ask an administrator for a new one.");
  }
  auto r = conn.exec(txn, kLinkByToken, pqxx::binarystring(auth::token_digest(token)));
  if (r.empty()) throw ApiError(404, "link_invalid", "This link is not valid. Ask an administrator for a new one.");
  const auto& row = r[0];
  if (row[3].as<bool>()) {
    throw ApiError(410, "link_used", "This link was already used. Sign in, or ask an administrator for a new link.");
  }
  if (row[4].as<bool>()) {
    throw ApiError(410, "link_replaced", "A newer link replaced this one. Use the most recent email.");
  }
  if (row[5].as<bool>()) {
    throw ApiError(410, "link_expired", "This link has expired. Ask an administrator for a new one.");
  }
  LiveLink l;
  l.id = row[0].as<std::int64_t>();
  l.agent_id = row[1].as<std::int64_t>();
  l.purpose = row[2].c_str();
  l.agent_disabled = row[8].as<bool>();
  l.agent_invited = row[9].as<bool>();
  l.info = {{"purpose", l.purpose}, {"email", row[6].c_str()}, {"name", row[7].c_str()}, {"expiresAt", row[10].c_str()}};
  return l;
}

}  // namespace

IssuedLink write_link(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t agent_id, bool invite,
                      std::int64_t created_by, const std::string& admin_name, const std::string& public_origin) {
  conn.exec(txn, kVoidLive, agent_id);
  std::string token = auth::random_token();
  auto r = conn.exec(txn, kInsertLink, agent_id, std::string(invite ? "invite" : "reset"),
                     pqxx::binarystring(auth::token_digest(token)), created_by, kLinkHours);
  IssuedLink out;
  out.purpose = invite ? "invite" : "reset";
  out.expires_at = r[0][1].c_str();
  out.url = public_origin + "/inbox/invite.html#t=" + token;
  mail::AgentLinkEmail email;
  email.invite = invite;
  email.agent_name = r[0][3].c_str();
  email.invited_by = admin_name;
  email.link = out.url;
  email.valid_hours = kLinkHours;
  mail::enqueue_agent_link_email(conn, txn, r[0][0].as<std::int64_t>(), r[0][2].c_str(), email);
  return out;
}

nlohmann::json check_link(store::DbConn& conn, const std::string& token) {
  pqxx::work txn(conn.raw());
  LiveLink l = live_link(conn, txn, token);
  txn.commit();
  return l.info;
}

std::int64_t accept_link(store::DbConn& conn, const std::string& token, const std::string& password) {
  if (password.size() < 8) throw ApiError::invalid_field("password must be at least 8 characters");
  if (password.size() > 256) throw ApiError::invalid_field("password must be at most 256 characters");
  std::string hash = auth::hash_password(password);  // before the lock: it is slow on purpose
  pqxx::work txn(conn.raw());
  LiveLink l = live_link(conn, txn, token);
  if (l.agent_disabled && !l.agent_invited) {
    throw ApiError(403, "account_disabled", "This account is disabled. Ask an administrator to enable it.");
  }
  conn.exec(txn, kSetPassword, l.agent_id, hash);
  conn.exec(txn, kEndSessions, l.agent_id);
  conn.exec(txn, kMarkUsed, l.id);
  txn.commit();
  return l.agent_id;
}

}  // namespace parley::team
