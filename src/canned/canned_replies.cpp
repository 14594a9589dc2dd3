#include "parley/canned/canned_replies.hpp"

#include <algorithm>

#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/core/text.hpp"

namespace parley::canned {
namespace {

// A reply as agent $1 sees it: its own use of it beside everyone's.
#define PARLEY_CANNED_COLUMNS                                                                                     \
  "r.id, r.owner_agent_id, r.shortcut, r.title, r.body, coalesce(u.use_count, 0), r.use_count, "                \
  "coalesce(parley_time(u.last_used_at), ''), parley_time(r.updated_at) FROM canned_reply r LEFT JOIN "          \
  "canned_reply_use u ON u.reply_id = r.id AND u.agent_id = $1 "

// The team's and agent $1's own (the limits bound it: 500 team + 200 personal).
const store::Statement kList{"canned_list",
                             "SELECT " PARLEY_CANNED_COLUMNS
                             "WHERE r.owner_agent_id IS NULL OR r.owner_agent_id = $1 "
                             "ORDER BY coalesce(u.use_count, 0) DESC, r.use_count DESC, u.last_used_at DESC NULLS LAST, "
                             "r.last_used_at DESC NULLS LAST, r.shortcut, r.id LIMIT 1000"};
// Any reply by id (whose it is decides what the agent may do); locked for the change that follows.
const store::Statement kById{"canned_by_id", "SELECT " PARLEY_CANNED_COLUMNS "WHERE r.id = $2 FOR UPDATE OF r"};
// Two creates in one scope at once must not both pass the count below its limit.
const store::Statement kScopeLock{
    "canned_scope_lock", "SELECT pg_advisory_xact_lock(hashtextextended('parley.canned_reply:' || coalesce($1::text, 'team'), 0))"};
const store::Statement kCount{"canned_count",
                              "SELECT count(*) FROM canned_reply WHERE owner_agent_id IS NOT DISTINCT FROM $1::bigint"};
const store::Statement kInsert{"canned_insert",
                               "INSERT INTO canned_reply (owner_agent_id, shortcut, title, body) VALUES ($1::bigint, $2, $3, $4) "
                               "RETURNING id"};
const store::Statement kUpdate{"canned_update",
                               "UPDATE canned_reply SET shortcut = $2, title = $3, body = $4, updated_at = now() WHERE id = $1"};
const store::Statement kDelete{"canned_delete", "DELETE FROM canned_reply WHERE id = $1"};
const store::Statement kCountUse{"canned_count_use",
                                 "UPDATE canned_reply SET use_count = use_count + 1, last_used_at = now() WHERE id = $1"};
const store::Statement kCountMyUse{"canned_count_my_use",
                                   "INSERT INTO canned_reply_use (reply_id, agent_id, use_count) VALUES ($1, $2, 1) "
                                   "ON CONFLICT (agent_id, reply_id) DO UPDATE SET use_count = canned_reply_use.use_count + 1, "
                                   "last_used_at = now()"};

Reply reply_from(const pqxx::row& r) {
  Reply out;
  out.id = r[0].as<std::int64_t>();
  if (!r[1].is_null()) out.owner_agent_id = r[1].as<std::int64_t>();
  out.shortcut = r[2].c_str();
  out.title = r[3].c_str();
  out.body = r[4].c_str();
  out.my_uses = r[5].as<std::int64_t>();
  out.total_uses = r[6].as<std::int64_t>();
  out.last_used_at = r[7].c_str();
  out.updated_at = r[8].c_str();
  return out;
}

// The reply `id` for a change by `actor`, locked; throws 404 / 403 as the header says.
Reply locked_for(store::DbConn& conn, pqxx::transaction_base& txn, const Actor& actor, std::int64_t id,
                 bool to_manage) {
  auto rows = conn.exec(txn, kById, actor.agent_id, id);
  if (rows.empty()) throw ApiError::not_found("No such canned reply");
  Reply reply = reply_from(rows[0]);
  // Another agent's personal reply is not this agent's to see: the same answer as no reply.
  if (!reply.team() && *reply.owner_agent_id != actor.agent_id) throw ApiError::not_found("No such canned reply");
  if (to_manage && !may_manage(actor, reply)) throw ApiError::forbidden("Only an admin can change the team's canned replies");
  return reply;
}

Reply visible(store::DbConn& conn, pqxx::transaction_base& txn, const Actor& actor, std::int64_t id) {
  auto rows = conn.exec(txn, kById, actor.agent_id, id);
  if (rows.empty()) throw ApiError::internal();  // written in this transaction
  return reply_from(rows[0]);
}

ApiError shortcut_taken(const std::string& shortcut, bool team) {
  return ApiError(409, "shortcut_taken",
                  "/" + shortcut + (team ? " is already a team reply" : " is already one of your replies"));
}

}  // namespace

bool valid_shortcut(std::string_view shortcut) {
  return !shortcut.empty() && shortcut.size() <= kMaxShortcutChars &&
         std::all_of(shortcut.begin(), shortcut.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

ReplyInput validated(ReplyInput in) {
  // "/Refund" as typed in the menu is the shortcut refund.
  std::string shortcut(trimmed(in.shortcut));
  if (!shortcut.empty() && shortcut.front() == '/') shortcut.erase(0, 1);
  std::transform(shortcut.begin(), shortcut.end(), shortcut.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (shortcut.empty()) throw ApiError::invalid_field("shortcut is required");
  if (!valid_shortcut(shortcut)) {
    throw ApiError::invalid_field("shortcut must be 1 to 32 letters a-z, digits, - or _ (no spaces)");
  }
  in.shortcut = std::move(shortcut);

  in.title = std::string(trimmed(validated_text(in.title, "title", TextKind::single_line)));
  if (in.title.empty()) throw ApiError::invalid_field("title is required");
  if (code_points(in.title) > kMaxTitleChars) throw ApiError::invalid_field("title must be at most 80 characters");

  in.body = std::string(trimmed(validated_text(in.body, "body", TextKind::multiline)));
  if (in.body.empty()) throw ApiError::invalid_field("body is required");
  if (code_points(in.body) > kMaxBodyChars) throw ApiError::invalid_field("body must be at most 4000 characters");
  return in;
}

bool may_manage(const Actor& actor, const Reply& reply) {
  if (reply.team()) return actor.admin;
  return *reply.owner_agent_id == actor.agent_id;
}

std::vector<Reply> CannedReplies::list(store::DbConn& conn, const Actor& actor) const {
  pqxx::read_transaction txn(conn.raw());
  std::vector<Reply> out;
  for (const auto& row : conn.exec(txn, kList, actor.agent_id)) out.push_back(reply_from(row));
  return out;
}

Reply CannedReplies::create(store::DbConn& conn, const Actor& actor, bool team, const ReplyInput& input) const {
  if (team && !actor.admin) throw ApiError::forbidden("Only an admin can add team canned replies");
  std::optional<std::int64_t> owner;
  if (!team) owner = actor.agent_id;
  pqxx::work txn(conn.raw());
  conn.exec(txn, kScopeLock, owner);
  int limit = team ? kMaxTeamReplies : kMaxPersonalPerAgent;
  if (conn.exec(txn, kCount, owner)[0][0].as<int>() >= limit) {
    throw ApiError(409, "limit_reached",
                   team ? "The team has 500 canned replies: delete one first" : "You have 200 canned replies: delete one first");
  }
  std::int64_t id = 0;
  try {
    id = conn.exec(txn, kInsert, owner, input.shortcut, input.title, input.body)[0][0].as<std::int64_t>();
  } catch (const pqxx::unique_violation&) {
    throw shortcut_taken(input.shortcut, team);
  }
  Reply reply = visible(conn, txn, actor, id);
  txn.commit();
  return reply;
}

Reply CannedReplies::update(store::DbConn& conn, const Actor& actor, std::int64_t id, const ReplyInput& input) const {
  pqxx::work txn(conn.raw());
  Reply before = locked_for(conn, txn, actor, id, true);
  try {
    conn.exec(txn, kUpdate, id, input.shortcut, input.title, input.body);
  } catch (const pqxx::unique_violation&) {
    throw shortcut_taken(input.shortcut, before.team());
  }
  Reply reply = visible(conn, txn, actor, id);
  txn.commit();
  return reply;
}

void CannedReplies::remove(store::DbConn& conn, const Actor& actor, std::int64_t id) const {
  pqxx::work txn(conn.raw());
  locked_for(conn, txn, actor, id, true);
  conn.exec(txn, kDelete, id);
  txn.commit();
}

Reply CannedReplies::record_use(store::DbConn& conn, const Actor& actor, std::int64_t id) const {
  pqxx::work txn(conn.raw());
  locked_for(conn, txn, actor, id, false);
  conn.exec(txn, kCountUse, id);
  conn.exec(txn, kCountMyUse, id, actor.agent_id);
  Reply reply = visible(conn, txn, actor, id);
  txn.commit();
  return reply;
}

}  // namespace parley::canned
