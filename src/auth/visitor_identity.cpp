#include "parley/auth/visitor_identity.hpp"

#include "parley/auth/crypto.hpp"
#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/store/array_literal.hpp"

namespace parley::auth {
namespace {

const store::Statement kVisitorByToken{"identify_by_token",
                                       "SELECT v.id, v.verified, v.user_id FROM visitor_token t "
                                       "JOIN visitor v ON v.id = t.visitor_id WHERE t.token_hash = $1"};
const store::Statement kVerifiedVisitor{"identify_verified", "SELECT id FROM visitor WHERE verified AND user_id = $1"};
const store::Statement kCreateVisitor{"identify_create", R"SQL(
INSERT INTO visitor (user_id, verified, email, name, metadata)
VALUES (NULLIF($1, ''), $2, NULLIF($3, ''), NULLIF($4, ''), $5::jsonb) RETURNING id)SQL"};
// Fields absent from the request keep their value ($5 tells which are present).
const store::Statement kUpdateVisitor{"identify_update", R"SQL(
UPDATE visitor SET
  user_id = CASE WHEN $2 <> '' THEN $2 ELSE user_id END,
  verified = verified OR $3,
  email = CASE WHEN $6 LIKE '%e%' THEN NULLIF($4, '') ELSE email END,
  name = CASE WHEN $6 LIKE '%n%' THEN NULLIF($5, '') ELSE name END,
  metadata = CASE WHEN $6 LIKE '%m%' THEN $7::jsonb ELSE metadata END,
  last_seen_at = now()
WHERE id = $1)SQL"};
// Many sockets' `auth` at once (VisitorAuthBatcher): $1 is the tokens' digests in hex. Each
// visitor found is marked as seen unless it was within kSeenGranularity — after a deploy a
// visitor's 19 tabs come back in several batches and its row is written once, not 19 times —
// and a row another transaction holds is skipped (that one is identify, which marks it too, or
// it is touched at the next auth): a lock never makes every socket's `auth` wait. Without
// SKIP LOCKED one held visitor row would stall the whole batch.
const store::Statement kVisitorsByTokens{"visitors_by_tokens", R"SQL(
WITH wanted AS (
  SELECT decode(h, 'hex') AS token_hash, i FROM unnest($1::text[]) WITH ORDINALITY AS u(h, i)
), found AS (
  SELECT w.i, v.id, v.email, v.last_seen_at < now() - interval '1 minute' AS stale
  FROM wanted w JOIN visitor_token t ON t.token_hash = w.token_hash JOIN visitor v ON v.id = t.visitor_id
), seen AS (
  UPDATE visitor SET last_seen_at = now()
  WHERE id IN (SELECT id FROM visitor WHERE id IN (SELECT id FROM found WHERE stale) FOR UPDATE SKIP LOCKED)
)
SELECT i, id, email FROM found)SQL"};
const store::Statement kPruneSilent{"visitor_prune_silent", R"SQL(
DELETE FROM visitor WHERE id IN (
  SELECT v.id FROM visitor v
  WHERE v.user_id IS NULL AND v.email IS NULL AND v.last_seen_at < now() - make_interval(days => $1)
    AND NOT EXISTS (SELECT 1 FROM conversation c WHERE c.visitor_id = v.id)
  LIMIT 10000))SQL"};
const store::Statement kSetEmail{"visitor_set_email", "UPDATE visitor SET email = $2 WHERE id = $1"};
const store::Statement kInsertToken{"identify_token",
                                    "INSERT INTO visitor_token (token_hash, visitor_id) VALUES ($1, $2)"};

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field, std::size_t max) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  const auto& v = body[field];
  std::string s;
  if (v.is_string()) s = v.get<std::string>();
  else if (v.is_number_integer()) s = std::to_string(v.get<std::int64_t>());
  else throw ApiError::invalid_field(std::string(field) + " must be a string");
  if (s.size() > max) throw ApiError::invalid_field(std::string(field) + " is longer than " + std::to_string(max) + " characters");
  if (s.find('\0') != std::string::npos) throw ApiError::invalid_field(std::string(field) + " contains a NUL character");
  return s;
}

}  // namespace

IdentifyRequest parse_identify_request(const nlohmann::json& body) {
  if (!body.is_object()) throw ApiError::bad_request("The body must be a JSON object");
  IdentifyRequest r;
  r.user_id = optional_string(body, "id", 200);
  if (r.user_id && r.user_id->empty()) r.user_id.reset();
  r.email = optional_string(body, "email", 320);
  if (r.email) r.email = validated_text(*r.email, "email", TextKind::single_line);
  if (r.email && !r.email->empty() && (r.email->find('@') == std::string::npos || r.email->find_first_of(" \r\n<>") != std::string::npos)) {
    throw ApiError::invalid_field("email is not an email address");
  }
  r.name = optional_string(body, "name", 200);
  if (r.name) r.name = validated_text(*r.name, "name", TextKind::single_line);
  // Any length: a wrong hash is a 401 whatever its size (the body limit bounds it).
  r.user_hash = optional_string(body, "userHash", 64 * 1024);
  if (body.contains("metadata") && !body["metadata"].is_null()) {
    const auto& m = body["metadata"];
    if (!m.is_object()) throw ApiError::invalid_field("metadata must be an object");
    for (const auto& [k, v] : m.items()) {
      if (k.size() > 100) throw ApiError::invalid_field("metadata keys are at most 100 characters");
      if (!(v.is_string() || v.is_number() || v.is_boolean() || v.is_null())) {
        throw ApiError::invalid_field("metadata values must be strings, numbers or booleans");
      }
    }
    std::string dumped = m.dump();
    if (dumped.size() > 4096) throw ApiError::invalid_field("metadata is larger than 4 KiB");
    // jsonb cannot hold \u0000.
    if (dumped.find("\\u0000") != std::string::npos) throw ApiError::invalid_field("metadata contains a NUL character");
    r.metadata = m;
  }
  return r;
}

bool check_identity(const IdentifyRequest& request, const std::string& identity_secret) {
  if (!request.user_id || identity_secret.empty()) return false;
  if (!request.user_hash || !verify_user_hash(identity_secret, *request.user_id, *request.user_hash)) {
    throw ApiError(401, "bad_user_hash", "userHash does not verify this user id");
  }
  return true;
}

IdentifyResult identify_visitor(store::DbConn& conn, const IdentifyRequest& request, bool verified) {
  pqxx::work txn(conn.raw());
  struct Current {
    std::int64_t id;
    bool verified;
    std::string user_id;
  };
  std::optional<Current> current;
  if (request.current_token) {
    auto r = conn.exec(txn, kVisitorByToken, pqxx::binarystring(token_digest(*request.current_token)));
    if (!r.empty()) current = Current{r[0][0].as<std::int64_t>(), r[0][1].as<bool>(), r[0][2].is_null() ? "" : r[0][2].c_str()};
  }
  std::string present;  // which optional fields the request carries
  if (request.email) present += 'e';
  if (request.name) present += 'n';
  if (!request.metadata.empty()) present += 'm';
  std::string metadata = request.metadata.dump();
  std::string user_id = request.user_id.value_or("");

  std::optional<std::int64_t> target;
  bool claim_on_target = false;  // write user_id/verified onto the target row
  if (request.user_id && verified) {
    // The verified visitor of this user id, wherever they first came from.
    auto r = conn.exec(txn, kVerifiedVisitor, user_id);
    if (!r.empty()) target = r[0][0].as<std::int64_t>();
    else if (current && !current->verified) target = current->id, claim_on_target = true;  // upgrade this browser's visitor
  } else if (request.user_id) {
    // Unverified: a claim recorded on this browser's own visitor, never merged.
    if (current && !current->verified) target = current->id, claim_on_target = true;
  } else if (current) {
    target = current->id;
  }

  IdentifyResult result;
  if (target) {
    conn.exec(txn, kUpdateVisitor, *target, claim_on_target ? user_id : std::string(), claim_on_target && verified,
              request.email.value_or(""), request.name.value_or(""), present, metadata);
    result.visitor_id = *target;
  } else {
    result.visitor_id = conn.exec(txn, kCreateVisitor, user_id, verified, request.email.value_or(""),
                                  request.name.value_or(""), metadata)[0][0]
                            .as<std::int64_t>();
  }
  result.verified = verified;
  if (current && current->id == result.visitor_id) {
    result.visitor_token = *request.current_token;  // the browser keeps its token
    if (!verified) result.verified = current->verified;
  } else {
    result.visitor_token = random_token();
    conn.exec(txn, kInsertToken, pqxx::binarystring(token_digest(result.visitor_token)), result.visitor_id);
  }
  txn.commit();
  return result;
}

std::vector<std::optional<VisitorSeen>> visitors_for_tokens(store::DbConn& conn, pqxx::transaction_base& txn,
                                                            const std::vector<std::string>& token_digests) {
  std::vector<std::optional<VisitorSeen>> out(token_digests.size());
  if (token_digests.empty()) return out;
  auto digests = store::array_literal(token_digests, [](const std::string& d) { return to_hex(d); });
  for (const auto& row : conn.exec(txn, kVisitorsByTokens, digests)) {
    auto i = row[0].as<std::size_t>();  // WITH ORDINALITY counts from 1
    if (i < 1 || i > out.size()) continue;
    out[i - 1] = VisitorSeen{row[1].as<std::int64_t>(), row[2].is_null() ? std::string() : row[2].c_str()};
  }
  return out;
}

std::optional<VisitorSeen> visitor_for_token(store::DbConn& conn, pqxx::transaction_base& txn,
                                             const std::string& token_digest) {
  return std::move(visitors_for_tokens(conn, txn, {token_digest}).front());
}

void set_visitor_email(store::DbConn& conn, std::int64_t visitor_id, const std::string& email) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kSetEmail, visitor_id, email);
  txn.commit();
}

std::int64_t prune_silent_visitors(store::DbConn& conn, int days) {
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kPruneSilent, days);
  txn.commit();
  return static_cast<std::int64_t>(r.affected_rows());
}

}  // namespace parley::auth
