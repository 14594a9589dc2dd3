#include "parley/conversation/bot_turns.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "parley/conversation/conversation_store.hpp"
#include "parley/core/error.hpp"

namespace parley::conversation {
namespace {

const store::Statement kPendingQuestion{"bot_pending_question", R"SQL(
SELECT m.body FROM conversation c JOIN LATERAL (
  SELECT body FROM message WHERE conversation_id = c.id AND sender = 'VISITOR' ORDER BY id LIMIT 1) m ON true
WHERE c.id = $1 AND c.bot_state = 'pending')SQL"};
// With the event-order lock held (EventTransaction) this waits for nobody.
const store::Statement kLock{"bot_lock_conversation", R"SQL(
SELECT status, coalesce(bot_state, ''), visitor_id FROM conversation WHERE id = $1 FOR UPDATE)SQL"};
// One answer per conversation: its client id is fixed, a second insert does nothing.
const store::Statement kInsertAnswer{"bot_insert_answer", R"SQL(
INSERT INTO message (conversation_id, sender, client_id, body, bot_articles)
VALUES ($1, 'BOT', 'bot-answer', $2, $3::jsonb)
ON CONFLICT ON CONSTRAINT message_client_id_once DO NOTHING RETURNING id)SQL"};
const store::Statement kMessageDoc{"bot_message_doc", "SELECT doc::text FROM message_doc WHERE id = $1"};
const store::Statement kAppendMessage{"bot_append_message", R"SQL(
INSERT INTO event_log (visitor_id, frame, to_agents) VALUES ($1, $2, true))SQL"};
// `version` counts status and assignee changes (clients drop older views by it): only a
// resolution by the bot bumps it. The inbox sorts by `updated_at`: the bot's answer, a
// resolution and a hand-over are activity; a look that found nothing is not.
const store::Statement kApply{"bot_apply", R"SQL(
UPDATE conversation SET bot_state = $2, status = $3::conversation_status,
  version = version + CASE WHEN $4 THEN 1 ELSE 0 END,
  updated_at = CASE WHEN $5 THEN now() ELSE updated_at END,
  bot_decided_at = CASE WHEN $2 IN ('resolved', 'handed', 'quiet') THEN now() END
WHERE id = $1)SQL"};
const store::Statement kVisitorMessages{"bot_visitor_messages", R"SQL(
SELECT id FROM message WHERE conversation_id = $1 AND sender = 'VISITOR' ORDER BY id LIMIT 100)SQL"};
// Only conversations the bot holds (a partial index) that changed within a day: one the
// visitor left without choosing stays as it is and is not looked at for ever.
const store::Statement kSweep{"bot_sweep", R"SQL(
SELECT c.id, c.bot_state FROM conversation c
WHERE c.bot_state IN ('pending', 'waiting') AND c.updated_at > now() - interval '1 day' AND CASE c.bot_state
  WHEN 'pending' THEN EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = c.id
                              AND m.created_at < now() - interval '5 seconds')
  ELSE EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = c.id AND m.sender = 'VISITOR'
               AND m.id > (SELECT max(b.id) FROM message b WHERE b.conversation_id = c.id AND b.sender = 'BOT'))
  END
ORDER BY c.id LIMIT $1)SQL"};
const store::Statement kDeflection{"bot_deflection", R"SQL(
WITH days AS (
  SELECT d::date AS day FROM generate_series((now() AT TIME ZONE 'UTC')::date - ($1::int - 1),
                                             (now() AT TIME ZONE 'UTC')::date, interval '1 day') d
), outcomes AS (
  SELECT (bot_decided_at AT TIME ZONE 'UTC')::date AS day, bot_state FROM conversation
  WHERE bot_decided_at >= ((now() AT TIME ZONE 'UTC')::date - ($1::int - 1)) AT TIME ZONE 'UTC'
)
SELECT to_char(days.day, 'YYYY-MM-DD'),
       count(o.bot_state) FILTER (WHERE o.bot_state = 'resolved'),
       count(o.bot_state) FILTER (WHERE o.bot_state = 'handed'),
       count(o.bot_state) FILTER (WHERE o.bot_state = 'quiet')
FROM days LEFT JOIN outcomes o ON o.day = days.day
GROUP BY days.day ORDER BY days.day)SQL"};

std::string articles_json(const std::vector<BotArticle>& articles) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : articles) {
    out.push_back({{"slug", a.slug}, {"title", a.title}, {"url", a.url}, {"snippet", a.snippet_html}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<FirstQuestion> pending_question(store::DbConn& conn, std::int64_t conversation_id) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kPendingQuestion, conversation_id);
  if (r.empty()) return std::nullopt;
  return FirstQuestion{conversation_id, r[0][0].c_str()};
}

namespace {

// One step inside `tx` (which holds the event-order lock). A conversation given to the team
// is added to `handed` for the hand-off that runs before the commit. `result.changed` is false
// when the event does not apply in the conversation's state (nothing written for it).
BotStepResult apply_step(store::DbConn& conn, EventTransaction& tx, const BotStep& step, std::vector<HandedOff>& handed) {
  auto row = conn.exec(tx.txn(), kLock, step.conversation_id);
  if (row.empty()) throw ApiError::not_found("No such conversation");
  std::int64_t visitor_id = row[0][2].as<std::int64_t>();
  if (step.visitor_id && *step.visitor_id != visitor_id) throw ApiError::not_found("No such conversation");
  auto status = parse_status(row[0][0].c_str());
  auto state = parse_bot_state(row[0][1].c_str());
  if (!status || !state) throw std::runtime_error("conversation: unknown status or bot state in the database");

  BotStepResult result;
  result.state = *state;
  result.status = std::string(to_string(*status));
  auto next = bot_next(*state, step.event);
  if (!next) {
    result.conversation_doc = conversation_doc(conn, tx.txn(), step.conversation_id).value_or("null");
    return result;  // nothing appended for it
  }
  Status next_status = *status;
  if (step.event == BotEvent::Answered) {
    Rule r = rule(*status, Action::ResolveByBot);
    if (r.verdict != Verdict::Allowed) throw ApiError::conflict(std::string(r.reason));
    next_status = r.next;
  }
  if (step.event == BotEvent::Answer) {
    auto inserted = conn.exec(tx.txn(), kInsertAnswer, step.conversation_id, step.body, articles_json(step.articles));
    if (!inserted.empty()) {
      auto doc = conn.exec(tx.txn(), kMessageDoc, inserted[0][0].as<std::int64_t>());
      tx.exec_appending(kAppendMessage, visitor_id, R"({"type":"message","message":)" + std::string(doc[0][0].c_str()) + "}");
    }
  }
  conn.exec(tx.txn(), kApply, step.conversation_id, std::string(to_string(*next)), std::string(to_string(next_status)),
            next_status != *status, *next != BotState::Quiet);
  if (*next == BotState::Handed || *next == BotState::Quiet) {
    HandedOff h{step.conversation_id, {}};
    for (const auto& m : conn.exec(tx.txn(), kVisitorMessages, step.conversation_id)) {
      h.visitor_message_ids.push_back(m[0].as<std::int64_t>());
    }
    handed.push_back(std::move(h));
  }
  result.conversation_doc = conversation_doc(conn, tx.txn(), step.conversation_id).value_or("null");
  tx.append_conversation(result.conversation_doc);
  result.changed = true;
  result.state = *next;
  result.status = std::string(to_string(next_status));
  return result;
}

}  // namespace

BotStepResult bot_step(store::DbConn& conn, EventsCommitted& committed, const BotStep& step,
                       const TeamHandoff& handoff) {
  return bot_steps(conn, committed, {step}, handoff).front();
}

std::vector<BotStepResult> bot_steps(store::DbConn& conn, EventsCommitted& committed, const std::vector<BotStep>& steps,
                                     const TeamHandoff& handoff) {
  std::vector<BotStepResult> results;
  if (steps.empty()) return results;
  EventTransaction tx(conn, committed);
  std::vector<HandedOff> handed;
  for (const auto& step : steps) results.push_back(apply_step(conn, tx, step, handed));
  bool changed = std::any_of(results.begin(), results.end(), [](const BotStepResult& r) { return r.changed; });
  if (!changed) return results;  // nothing appended: the transaction just ends
  bool woke_mail = !handed.empty() && handoff && handoff(conn, tx.txn(), handed);
  tx.commit();
  if (woke_mail) {
    for (auto& r : results) r.woke_mail = true;
  }
  return results;
}

BotSweep bot_sweep(store::DbConn& conn, int limit) {
  pqxx::read_transaction txn(conn.raw());
  BotSweep out;
  for (const auto& row : conn.exec(txn, kSweep, limit * 2)) {
    auto& list = std::string_view(row[1].c_str()) == "pending" ? out.pending : out.wrote_again;
    if (list.size() < static_cast<std::size_t>(limit)) list.push_back(row[0].as<std::int64_t>());
  }
  return out;
}

std::string deflection_report(store::DbConn& conn, int days) {
  pqxx::read_transaction txn(conn.raw());
  nlohmann::json out = {{"days", nlohmann::json::array()}};
  std::int64_t resolved = 0, handed = 0, quiet = 0;
  for (const auto& row : conn.exec(txn, kDeflection, days)) {
    auto r = row[1].as<std::int64_t>(), h = row[2].as<std::int64_t>(), q = row[3].as<std::int64_t>();
    resolved += r, handed += h, quiet += q;
    out["days"].push_back({{"day", row[0].c_str()}, {"resolvedByBot", r}, {"handedToPerson", h}, {"noAnswer", q}});
  }
  out["totals"] = {{"resolvedByBot", resolved}, {"handedToPerson", handed}, {"noAnswer", quiet}};
  return out.dump();
}

}  // namespace parley::conversation
