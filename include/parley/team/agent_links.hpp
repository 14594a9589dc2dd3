#pragma once
// One-time links that let an agent set their password: an invitation (which activates the
// account) or a reset an admin started. The token travels only in the emailed link's URL
// fragment (#t=…) and in the body of the page's POST; only its SHA-256 is stored. A link works
// once, for kLinkHours, and a newer link for the same agent voids it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::team {

inline constexpr int kLinkHours = 48;

struct IssuedLink {
  nlohmann::json agent;    // the team entry (team_admin.hpp)
  std::string url;         // {public origin}/inbox/invite.html#t={token}; shown to the admin only
                           // when email is not configured
  std::string purpose;     // "invite" | "reset"
  std::string expires_at;  // ISO-8601 UTC
};

// Voids the agent's live link and writes a new one with its email, in `txn`.
IssuedLink write_link(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t agent_id, bool invite,
                      std::int64_t created_by, const std::string& admin_name, const std::string& public_origin);

// What the page shows before the password is chosen: {purpose, email, name, expiresAt}.
// Throws ApiError 404 link_invalid (unknown token), 410 link_used, link_replaced, link_expired.
nlohmann::json check_link(store::DbConn& conn, const std::string& token);

// Sets the password (8-256 characters), activates an invited agent, ends every session of the
// agent and marks the link used — all or nothing. Returns the agent's id (the caller closes
// their sockets). Same errors as check_link, and 403 account_disabled for a reset of an agent
// disabled meanwhile.
std::int64_t accept_link(store::DbConn& conn, const std::string& token, const std::string& password);

}  // namespace parley::team
