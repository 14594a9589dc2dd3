#include "parley/conversation/csat.hpp"

#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/core/text.hpp"

namespace parley::conversation {
namespace {

// This cycle's survey, when a person (AGENT; a BOT is not a person) replied in the cycle and
// it was not asked yet (the unique key: once per cycle, whatever happens concurrently).
const store::Statement kCreate{"csat_create", R"SQL(
WITH c AS (SELECT id, visitor_id, cycle, cycle_after_message FROM conversation WHERE id = $1),
replied AS (
  SELECT m.agent_id FROM message m, c
  WHERE m.conversation_id = c.id AND m.id > c.cycle_after_message AND m.sender = 'AGENT'
), created AS (
  INSERT INTO csat_survey (conversation_id, cycle, agent_ids)
  SELECT c.id, c.cycle,
         coalesce((SELECT array_agg(DISTINCT agent_id ORDER BY agent_id) FROM replied WHERE agent_id IS NOT NULL), '{}')
  FROM c WHERE EXISTS (SELECT 1 FROM replied)
  ON CONFLICT ON CONSTRAINT csat_survey_once_per_cycle DO NOTHING
  RETURNING id, conversation_id, cycle
)
SELECT cr.id, cr.conversation_id, c.visitor_id, cr.cycle FROM created cr, c)SQL"};

// The event: the full survey to agents, the part the visitor may see to their tabs.
const store::Statement kAppendEvent{"csat_append_event", R"SQL(
INSERT INTO event_log (visitor_id, frame, to_agents, visitor_frame)
SELECT c.visitor_id, json_build_object('type', 'csat', 'csat', d.doc)::text, true,
       json_build_object('type', 'csat', 'csat', csat_visitor_doc(s.id, $2::int))::text
FROM csat_survey s JOIN csat_doc d ON d.id = s.id JOIN conversation c ON c.id = s.conversation_id
WHERE s.id = $1)SQL"};

// The visitor's newest survey of the conversation, if still editable.
const store::Statement kWidgetAnswer{"csat_widget_answer", R"SQL(
WITH target AS (
  SELECT s.id, s.asked_at > now() - $5::int * interval '1 hour' AS editable
  FROM csat_survey s JOIN conversation c ON c.id = s.conversation_id
  WHERE s.conversation_id = $1 AND c.visitor_id = $2
  ORDER BY s.cycle DESC LIMIT 1 FOR UPDATE OF s
), updated AS (
  UPDATE csat_survey s SET rating = $3, comment = NULLIF($4, ''), rated_at = now(), rated_via = 'widget'
  FROM target t WHERE s.id = t.id AND t.editable RETURNING s.id
)
SELECT t.id, t.editable FROM target t)SQL"};

const store::Statement kByLink{"csat_by_link", R"SQL(
SELECT id, rating, asked_at <= now() - $2::int * interval '1 day' FROM csat_survey WHERE token_hash = $1)SQL"};

// Once: only while unanswered and unexpired.
const store::Statement kLinkAnswer{"csat_link_answer", R"SQL(
UPDATE csat_survey SET rating = $2, comment = NULLIF($3, ''), rated_at = now(), rated_via = 'email'
WHERE token_hash = $1 AND rating IS NULL AND asked_at > now() - $4::int * interval '1 day' RETURNING id)SQL"};

const store::Statement kSetToken{"csat_set_token", "UPDATE csat_survey SET token_hash = $2 WHERE id = $1"};

void append_event(EventTransaction& tx, std::int64_t survey_id) {
  tx.exec_appending(kAppendEvent, survey_id, kCsatEditHours);
}

}  // namespace

std::optional<SurveyCreated> create_survey_if_eligible(EventTransaction& tx, std::int64_t conversation_id) {
  auto r = tx.conn().exec(tx.txn(), kCreate, conversation_id);
  if (r.empty()) return std::nullopt;
  SurveyCreated s{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(), r[0][2].as<std::int64_t>(),
                  r[0][3].as<int>()};
  append_event(tx, s.survey_id);
  return s;
}

CsatAnswer validated_answer(int rating, std::string comment) {
  if (rating < 1 || rating > 5) throw ApiError::invalid_field("rating must be an integer from 1 to 5");
  comment = validated_text(comment, "comment");
  if (code_points(comment) > kCsatCommentMax) {  // characters, not bytes
    throw ApiError::invalid_field("comment must be at most " + std::to_string(kCsatCommentMax) + " characters");
  }
  return {rating, std::move(comment)};
}

AnswerOutcome answer_in_widget(EventTransaction& tx, std::int64_t visitor_id, std::int64_t conversation_id,
                               const CsatAnswer& answer) {
  auto r = tx.conn().exec(tx.txn(), kWidgetAnswer, conversation_id, visitor_id, answer.rating, answer.comment,
                          kCsatEditHours);
  if (r.empty()) return AnswerOutcome::NotFound;
  if (!r[0][1].as<bool>()) return AnswerOutcome::Closed;
  append_event(tx, r[0][0].as<std::int64_t>());
  return AnswerOutcome::Recorded;
}

std::optional<LinkSurvey> survey_by_link(store::DbConn& conn, pqxx::transaction_base& txn,
                                         const std::string& token_hash) {
  auto r = conn.exec(txn, kByLink, pqxx::binarystring(token_hash), kCsatLinkDays);
  if (r.empty()) return std::nullopt;
  LinkSurvey s;
  s.survey_id = r[0][0].as<std::int64_t>();
  if (!r[0][1].is_null()) {
    s.rating = r[0][1].as<int>();
    s.state = LinkSurvey::State::Answered;
  } else if (r[0][2].as<bool>()) {
    s.state = LinkSurvey::State::Expired;
  }
  return s;
}

AnswerOutcome answer_by_link(EventTransaction& tx, const std::string& token_hash, const CsatAnswer& answer) {
  auto r = tx.conn().exec(tx.txn(), kLinkAnswer, pqxx::binarystring(token_hash), answer.rating, answer.comment,
                          kCsatLinkDays);
  if (r.empty()) {
    return survey_by_link(tx.conn(), tx.txn(), token_hash) ? AnswerOutcome::Closed : AnswerOutcome::NotFound;
  }
  append_event(tx, r[0][0].as<std::int64_t>());
  return AnswerOutcome::Recorded;
}

void set_link_token(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t survey_id,
                    const std::string& token_hash) {
  conn.exec(txn, kSetToken, survey_id, pqxx::binarystring(token_hash));
}

}  // namespace parley::conversation
