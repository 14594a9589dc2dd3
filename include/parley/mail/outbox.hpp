#pragma once
// The outbox's SQL that runs elsewhere: enqueuing emails inside the message writer's batch
// transaction, and the emails of a conversation for the inbox API.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "parley/config/config.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::mail {

class PendingFollowups;  // pending_followups.hpp

// A stored message as the outbox sees it; availability was decided by the caller.
struct MessageEvent {
  std::int64_t message_id = 0;
  std::int64_t conversation_id = 0;
  std::string sender;             // VISITOR | AGENT | BOT
  bool team_available = true;     // VISITOR messages: was an agent available when it was sent
  bool visitor_connected = true;  // AGENT messages: is the visitor connected now
  bool out_of_hours = false;      // VISITOR messages: written outside business hours
};

struct EnqueueSettings {
  std::string support_email;  // empty: no support emails
  int batch_seconds = 120;
  // > 0 in the grace period after a start (PARLEY_PRESENCE_GRACE_SECONDS), while agents'
  // inboxes reconnect: "nobody available" emails (to support, and the visitor's
  // acknowledgement) are due only this many seconds from now, and are skipped by the worker if
  // an agent is available by then.
  int team_may_return_seconds = 0;
};

// Writes the emails a batch of stored messages causes, in `txn` (one statement for the
// whole batch). Returns true when at least one email row was written.
//  - visitor message, nobody available: the conversation's first "new conversation" email
//    to the support address (due now), else the pending follow-up (due first + window);
//    and one acknowledgement to the visitor if their email is known (all of them due no
//    sooner than `team_may_return_seconds`, and marked to be skipped if the team returns).
//  - agent message, visitor not connected, visitor email known: the pending reply email.
// With `pending`, a visitor message whose conversation's follow-up is known to be pending skips
// the statement (it would write nothing for it), and the statement tells `pending` of the
// follow-ups pending in the conversations it saw (pending_followups.hpp).
bool enqueue_emails(store::DbConn& conn, pqxx::transaction_base& txn, const std::vector<MessageEvent>& events,
                    const EnqueueSettings& settings, PendingFollowups* pending = nullptr);

// Acknowledges conversations whose visitor gave an email address after their first message
// (the widget asks for it in away mode): one statement, run by the worker as it polls.
// Returns the number of acknowledgements enqueued.
std::int64_t enqueue_late_acknowledgements(store::DbConn& conn, pqxx::transaction_base& txn);

// Where support emails go: PARLEY_SUPPORT_EMAIL, else the address of PARLEY_MAIL_FROM.
std::string support_address(const Config& config);

// [{"id","kind","to","status","attempts","lastError","sentAt","createdAt","dueAt"}], oldest first.
nlohmann::json conversation_emails(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id);

// How many emails are in each status (for /metrics); `table` is false before the outbox
// migration ran, and the counts are empty when the table is of another shape.
struct OutboxCounts {
  bool table = false;
  std::vector<std::pair<std::string, std::int64_t>> counts;  // status → emails
};
OutboxCounts outbox_counts(store::DbConn& conn);

}  // namespace parley::mail
