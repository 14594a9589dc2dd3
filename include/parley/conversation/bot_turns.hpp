#pragma once
// The FAQ bot's writes and reads in the conversation's domain (state_machine.hpp, BotState).
// The bot layer (src/bot/) decides what to say; every change here is one EventTransaction, so
// the inbox and the widget hear of the bot's answer and of the visitor's choice live, in
// commit order, like any message or change.
#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "parley/conversation/event_writer.hpp"
#include "parley/conversation/state_machine.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::conversation {

// The first visitor message of a conversation the bot has not looked at yet.
struct FirstQuestion {
  std::int64_t conversation_id = 0;
  std::string body;
};
std::optional<FirstQuestion> pending_question(store::DbConn& conn, std::int64_t conversation_id);

struct BotArticle {
  std::string slug, title, url, snippet_html;
};

struct BotStep {
  std::int64_t conversation_id = 0;
  BotEvent event = BotEvent::NoMatch;
  std::optional<std::int64_t> visitor_id;  // a visitor's choice: only in their own conversation (else 404)
  std::string body;                        // Answer: the bot's message text
  std::vector<BotArticle> articles;        // Answer: at most three
};

struct BotStepResult {
  bool changed = false;   // false: the event did not apply in the current state; nothing written
  BotState state = BotState::None;  // after the step
  std::string status;     // OPEN | ASSIGNED | RESOLVED, after the step
  std::string conversation_doc;
  bool woke_mail = false;  // the hand-off wrote email rows (wake the outbox worker)
};

// A conversation the bot gives to the team now (Handed, Quiet), with its visitor messages
// (oldest first, at most 100).
struct HandedOff {
  std::int64_t conversation_id = 0;
  std::vector<std::int64_t> visitor_message_ids;
};

// Runs inside the steps' transaction when the team gets conversations now (Handed, Quiet):
// what their visitor messages would have caused without the bot (offline emails), for all of
// them at once. Returns true when it wrote email rows.
using TeamHandoff = std::function<bool(store::DbConn&, pqxx::transaction_base&, const std::vector<HandedOff>&)>;

// One bot event, through bot_next() and (for Answered) the status table's ResolveByBot.
// Throws ApiError 404 (no such conversation, or not this visitor's) and 409 (Answered while a
// person has it).
BotStepResult bot_step(store::DbConn& conn, EventsCommitted& committed, const BotStep& step,
                       const TeamHandoff& handoff);

// Several bot events of different conversations in ONE EventTransaction: one wait for the
// event-order lock, one hand-off statement and one commit for all of them, instead of one
// each. Every event transaction queues on that lock — the message writer's too — so a burst
// of new conversations (each first message makes the bot look) written one by one held it
// most of the time (docs/BENCHMARKS.md, the visitor delivery path). The results are in the
// order of `steps`. All or nothing: if one step throws, nothing is written and the exception
// propagates (the caller runs them one by one to find it). Each conversation at most once.
std::vector<BotStepResult> bot_steps(store::DbConn& conn, EventsCommitted& committed, const std::vector<BotStep>& steps,
                                     const TeamHandoff& handoff);

// Conversations the bot should look at again: `pending` ones whose first message the bot has
// not seen (a missed wake-up), `wrote_again` ones where the visitor wrote after the bot's
// answer without choosing (that is "talk to a person"). At most `limit` of each kind.
struct BotSweep {
  std::vector<std::int64_t> pending, wrote_again;
};
BotSweep bot_sweep(store::DbConn& conn, int limit);

// Outcomes per UTC day over the last `days` days (oldest first), as JSON:
// {"days":[{"day":"YYYY-MM-DD","resolvedByBot":n,"handedToPerson":n,"noAnswer":n}],
//  "totals":{…the same three…}}
std::string deflection_report(store::DbConn& conn, int days);

}  // namespace parley::conversation
