#pragma once
// CSAT surveys: who is asked (a person replied in this resolution cycle), once per cycle, and
// the visitor's answer. Every write runs in the caller's EventTransaction and appends a `csat`
// event, so the inbox and the widget hear of it in commit order on every process.
// Schema and the meaning of a cycle: migrations/0009_csat.sql; product rules: docs/CSAT.md.
#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "parley/conversation/event_writer.hpp"

namespace parley::conversation {

inline constexpr int kCsatEditHours = 24;             // the widget's answer may be changed this long
inline constexpr int kCsatLinkDays = 7;               // the emailed link works this long
inline constexpr std::size_t kCsatCommentMax = 1000;  // characters

struct SurveyCreated {
  std::int64_t survey_id = 0;
  std::int64_t conversation_id = 0;
  std::int64_t visitor_id = 0;
  int cycle = 0;
};

// Run inside the resolving transaction once a survey was created (e.g. to enqueue the email
// when the visitor is not connected); true when it enqueued something to wake a worker for.
using SurveyHook = std::function<bool(store::DbConn&, pqxx::transaction_base&, const SurveyCreated&)>;

// The conversation was just resolved in `tx`: creates this cycle's survey when an agent (a
// person) replied in it and none was created yet, and appends its event.
std::optional<SurveyCreated> create_survey_if_eligible(EventTransaction& tx, std::int64_t conversation_id);

struct CsatAnswer {
  int rating = 0;  // 1..5
  std::string comment;
};

// Checks rating and comment; throws ApiError 400 naming the field.
CsatAnswer validated_answer(int rating, std::string comment);

enum class AnswerOutcome { Recorded, NotFound, Closed };

// From the widget: the visitor's latest survey of that conversation, while it is editable
// (kCsatEditHours since it was asked). NotFound: not theirs / no survey; Closed: too late.
AnswerOutcome answer_in_widget(EventTransaction& tx, std::int64_t visitor_id, std::int64_t conversation_id,
                               const CsatAnswer& answer);

// The emailed link, by the SHA-256 of its token.
struct LinkSurvey {
  enum class State { Open, Answered, Expired } state = State::Open;
  std::int64_t survey_id = 0;
  std::optional<int> rating;
};
std::optional<LinkSurvey> survey_by_link(store::DbConn& conn, pqxx::transaction_base& txn,
                                         const std::string& token_hash);
// Records the link's answer once (Recorded), or says why not.
AnswerOutcome answer_by_link(EventTransaction& tx, const std::string& token_hash, const CsatAnswer& answer);

// Stores the SHA-256 of an emailed link's token on the survey (in the resolve's transaction).
void set_link_token(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t survey_id,
                    const std::string& token_hash);

}  // namespace parley::conversation
