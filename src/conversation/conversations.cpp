#include "parley/conversation/conversations.hpp"

#include <stdexcept>

#include "parley/core/error.hpp"
#include "parley/store/array_literal.hpp"

namespace parley::conversation {
namespace {

// Locked for the change: with the event-order lock already held this waits for nobody, but
// it keeps the row's state fixed even for writers that do not take that lock.
const store::Statement kLockConversation{"conversation_lock", R"SQL(
SELECT status, assigned_agent_id, version FROM conversation WHERE id = $1 FOR UPDATE)SQL"};
const store::Statement kAgentActive{"conversation_agent_active", "SELECT 1 FROM agent WHERE id = $1 AND NOT disabled"};
// Resolving and reopening count as activity (the inbox sorts by it); assignment does not.
// Leaving RESOLVED (a reopen) starts a new resolution cycle after the last message so far
// (migrations/0009_csat.sql); `status` on the right is the old one.
const store::Statement kApply{"conversation_apply", R"SQL(
UPDATE conversation SET status = $2::conversation_status, assigned_agent_id = NULLIF($3, '')::bigint,
  version = version + 1,
  cycle = CASE WHEN status = 'RESOLVED' AND $2::conversation_status <> 'RESOLVED' THEN cycle + 1 ELSE cycle END,
  cycle_after_message = CASE WHEN status = 'RESOLVED' AND $2::conversation_status <> 'RESOLVED'
    THEN coalesce((SELECT max(m.id) FROM message m WHERE m.conversation_id = $1), 0) ELSE cycle_after_message END,
  updated_at = CASE WHEN $4 THEN now() ELSE updated_at END
WHERE id = $1)SQL"};
const store::Statement kStoredByClientId{"visitor_stored_by_client_id", R"SQL(
SELECT md.doc::text, m.client_id FROM message m JOIN conversation c ON c.id = m.conversation_id
JOIN message_doc md ON md.id = m.id
WHERE c.visitor_id = $1 AND m.sender = 'VISITOR' AND m.client_id = ANY($2::text[]))SQL"};
const store::Statement kStartConversation{"visitor_start_conversation", R"SQL(
INSERT INTO conversation (visitor_id, page_url, bot_state) VALUES ($1, NULLIF($2, ''), CASE WHEN $3 THEN 'pending' END)
ON CONFLICT (visitor_id) WHERE status <> 'RESOLVED' DO NOTHING RETURNING id)SQL"};

struct Current {
  Status status;
  std::optional<std::int64_t> assignee;
  std::int64_t version;
};

Current lock_current(EventTransaction& tx, std::int64_t id) {
  auto r = tx.conn().exec(tx.txn(), kLockConversation, id);
  if (r.empty()) throw ApiError::not_found("No such conversation");
  auto status = parse_status(r[0][0].c_str());
  if (!status) throw std::runtime_error("conversation: unknown status in the database");
  return {*status, r[0][1].is_null() ? std::nullopt : std::optional(r[0][1].as<std::int64_t>()),
          r[0][2].as<std::int64_t>()};
}

ChangeResult refused(std::string code, std::string_view reason, EventTransaction& tx, std::int64_t id) {
  return {ChangeResult::Kind::Refused, std::move(code), std::string(reason),
          conversation_doc(tx.conn(), tx.txn(), id).value_or("null")};
}

// client ids are [A-Za-z0-9_-] (validated): no quoting needed in an array literal.
std::string text_array(const std::vector<std::string>& items) {
  return store::array_literal(items, [](const std::string& s) -> const std::string& { return s; });
}

}  // namespace

ChangeResult Conversations::change(store::DbConn& conn, const ChangeRequest& request) {
  EventTransaction tx(conn, committed_);
  bool wake = false;
  ChangeResult result = apply(tx, request, wake);
  if (result.kind != ChangeResult::Kind::Changed) return result;
  tx.commit();
  if (wake && survey_hooks_.after_commit) survey_hooks_.after_commit();
  if (changed_) changed_(request.action);
  return result;
}

ChangeResult Conversations::change_in(EventTransaction& tx, const ChangeRequest& request) {
  if (request.action == Action::Resolve) throw std::logic_error("conversations: a resolve runs through change()");
  bool wake = false;
  return apply(tx, request, wake);
}

ChangeResult Conversations::apply(EventTransaction& tx, const ChangeRequest& request, bool& wake) {
  store::DbConn& conn = tx.conn();
  const std::int64_t id = request.conversation_id;
  Current now = lock_current(tx, id);
  if (request.seen_version && *request.seen_version != now.version) {
    return refused("stale", "The conversation changed since you saw it", tx, id);
  }
  bool assigning = request.action == Action::Assign || request.action == Action::TakeOver;
  Rule r = rule(now.status, request.action);
  if (r.verdict == Verdict::Taken) {
    if (now.assignee == request.assignee) {
      return {ChangeResult::Kind::Unchanged, {}, {}, conversation_doc(conn, tx.txn(), id).value_or("null")};
    }
    return refused("assigned", r.reason, tx, id);
  }
  if (r.verdict == Verdict::Refused) return refused("conflict", r.reason, tx, id);
  if (assigning && conn.exec(tx.txn(), kAgentActive, request.assignee).empty()) {
    throw ApiError::invalid_field("agentId is not an active agent");
  }
  std::optional<std::int64_t> assignee = assigning ? std::optional(request.assignee) : std::nullopt;
  bool activity = request.action == Action::Resolve || request.action == Action::Reopen;
  if (request.action == Action::Resolve) assignee = now.assignee;  // who resolved it stays visible
  try {
    conn.exec(tx.txn(), kApply, id, std::string(to_string(r.next)), assignee ? std::to_string(*assignee) : std::string(),
              activity);
  } catch (const pqxx::unique_violation&) {
    throw ApiError::conflict("The visitor already has another open conversation");
  }
  if (request.action == Action::Resolve) {
    // In the resolve's transaction: the survey (and its email) exist exactly when it commits,
    // and the document below (the event's and the answer's) already carries it.
    if (auto survey = create_survey_if_eligible(tx, id); survey && survey_hooks_.in_transaction) {
      wake = survey_hooks_.in_transaction(conn, tx.txn(), *survey);
    }
  }
  std::string doc = conversation_doc(conn, tx.txn(), id).value_or("null");
  tx.append_conversation(doc);
  return {ChangeResult::Kind::Changed, {}, {}, std::move(doc)};
}

VisitorOpening Conversations::open_for_visitor(store::DbConn& conn, std::int64_t visitor_id, const std::string& page,
                                               const std::vector<std::string>& client_ids) {
  VisitorOpening opening;
  {
    pqxx::read_transaction txn(conn.raw());
    for (const auto& row : conn.exec(txn, kStoredByClientId, visitor_id, text_array(client_ids))) {
      opening.already_stored[row[1].c_str()] = row[0].c_str();
    }
  }
  if (opening.already_stored.size() >= client_ids.size()) return opening;  // nothing new: open nothing
  EventTransaction tx(conn, committed_);  // the new conversation's event precedes its first message
  // With the bot on, a new conversation waits for its look at the first message (bot_turns.hpp).
  bool inserted = !conn.exec(tx.txn(), kStartConversation, visitor_id, page, bot_first_).empty();
  opening.created = inserted;
  opening.conversation = open_conversation_of(conn, tx.txn(), visitor_id);
  if (!opening.conversation) throw ApiError::conflict("Could not open a conversation; retry");
  if (inserted) tx.append_conversation(conversation_doc(conn, tx.txn(), opening.conversation->id).value_or("null"));
  tx.commit();
  return opening;
}

AnswerOutcome Conversations::answer_csat(store::DbConn& conn, std::int64_t visitor_id, std::int64_t conversation_id,
                                         const CsatAnswer& answer) {
  EventTransaction tx(conn, committed_);
  AnswerOutcome outcome = answer_in_widget(tx, visitor_id, conversation_id, answer);
  tx.commit();
  return outcome;
}

AnswerOutcome Conversations::answer_csat_link(store::DbConn& conn, const std::string& token_hash,
                                              const CsatAnswer& answer) {
  EventTransaction tx(conn, committed_);
  AnswerOutcome outcome = answer_by_link(tx, token_hash, answer);
  tx.commit();
  return outcome;
}

}  // namespace parley::conversation
