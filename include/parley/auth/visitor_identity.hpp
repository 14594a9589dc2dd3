#pragma once
// POST /api/visitors/identify: who a browser's visitor is (PRODUCT.md §2).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parley/store/db_pool.hpp"

namespace parley::auth {

struct IdentifyRequest {
  std::optional<std::string> user_id;
  std::optional<std::string> email;
  std::optional<std::string> name;
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<std::string> user_hash;
  std::optional<std::string> current_token;  // from Authorization: Bearer
};

struct IdentifyResult {
  std::int64_t visitor_id = 0;
  std::string visitor_token;
  bool verified = false;
};

// Validates the JSON body (sizes, types, flat metadata); throws ApiError(400).
IdentifyRequest parse_identify_request(const nlohmann::json& body);

// Checks the HMAC when a secret is configured and a user id is given; throws 401.
// Returns whether the identity counts as verified.
bool check_identity(const IdentifyRequest& request, const std::string& identity_secret);

// The database part; runs on a database thread.
IdentifyResult identify_visitor(store::DbConn& conn, const IdentifyRequest& request, bool verified);

// Visitor sockets' `auth`, many at once (chat::VisitorAuthBatcher): for each token digest
// (auth::token_digest), in the order given, the visitor whose token it is — nullopt for an
// unknown token — in one statement. Each visitor found is marked as seen (last_seen_at, which
// the silent-visitor prune reads), at most once a minute and never waiting for a row another
// transaction holds.
struct VisitorSeen {
  std::int64_t visitor_id = 0;
  std::string email;  // empty when none was left
};
std::vector<std::optional<VisitorSeen>> visitors_for_tokens(store::DbConn& conn, pqxx::transaction_base& txn,
                                                            const std::vector<std::string>& token_digests);
// The same for one token (a visitor's REST call that carries it).
std::optional<VisitorSeen> visitor_for_token(store::DbConn& conn, pqxx::transaction_base& txn,
                                             const std::string& token_digest);

// Deletes anonymous visitors (no user id, no email) without any conversation, last seen more
// than `days` ago — what a script calling identify without end leaves behind. At most
// 10,000 a call; returns how many.
std::int64_t prune_silent_visitors(store::DbConn& conn, int days);

// The email a visitor left in the widget (validated by the caller).
void set_visitor_email(store::DbConn& conn, std::int64_t visitor_id, const std::string& email);

}  // namespace parley::auth
