#include "parley/mail/outbox.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "parley/mail/pending_followups.hpp"

namespace parley::mail {
namespace {

// One statement per writer batch. Partial unique indexes do the batching: a conversation has
// one "new conversation" email and one acknowledgement ever, and at most one pending
// follow-up / reply, which later messages join (ON CONFLICT DO NOTHING keeps its first
// message and its due time: first pending + window).
const store::Statement kEnqueue{"outbox_enqueue", R"SQL(
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS x(m bigint, c bigint, s text, away boolean, gone boolean, ooh boolean)
), visitor_away AS (
  -- Not while the FAQ bot holds the conversation (bot_state pending/waiting, migration 0010):
  -- when it hands the conversation to the team, it enqueues these then (bot/bot.hpp).
  SELECT i.* FROM input i JOIN conversation cv ON cv.id = i.c
  WHERE i.s = 'VISITOR' AND i.away AND coalesce(cv.bot_state, '') NOT IN ('pending', 'waiting')
), offline AS (
  SELECT c, min(m) AS first_m, bool_or(coalesce(ooh, false)) AS ooh FROM visitor_away GROUP BY c
), support_new AS (
  INSERT INTO email_outbox (kind, conversation_id, to_address, first_message_id, covers_through_message_id,
                           due_at, unless_team_returns, out_of_hours)
  SELECT 'support_new'::email_kind, o.c, $2::text, o.first_m, o.first_m, now() + $4::int * interval '1 second', $4::int > 0,
    o.ooh
  FROM offline o WHERE $2::text <> ''
  ON CONFLICT (conversation_id, kind) WHERE kind IN ('support_new', 'visitor_ack') DO NOTHING
  RETURNING conversation_id, first_message_id
), followup AS (
  INSERT INTO email_outbox (kind, conversation_id, to_address, first_message_id, due_at, unless_team_returns,
                            out_of_hours)
  SELECT 'support_followup'::email_kind, i.c, $2::text, min(i.m), now() + greatest($3::int, $4::int) * interval '1 second',
    $4::int > 0, bool_or(coalesce(i.ooh, false))
  FROM visitor_away i LEFT JOIN support_new n ON n.conversation_id = i.c
  WHERE $2::text <> '' AND i.m IS DISTINCT FROM n.first_message_id
  GROUP BY i.c
  ON CONFLICT (conversation_id, kind) WHERE status = 'pending' AND kind IN ('support_followup', 'visitor_reply') DO NOTHING
  RETURNING conversation_id, due_at
), pending AS (
  -- The conversations' follow-ups pending now: written above, or before (by an earlier batch,
  -- another process, or the FAQ bot's hand-off; this statement's snapshot does not see the rows
  -- its own CTEs insert, hence both). Read only when the writer did not know of one
  -- (PendingFollowups): about once per conversation per window.
  SELECT conversation_id, due_at FROM followup
  UNION ALL
  SELECT e.conversation_id, e.due_at FROM offline o
  JOIN email_outbox e ON e.conversation_id = o.c AND e.kind = 'support_followup' AND e.status = 'pending'
), ack AS (
  INSERT INTO email_outbox (kind, conversation_id, to_address, first_message_id, covers_through_message_id,
                           due_at, unless_team_returns)
  SELECT 'visitor_ack'::email_kind, o.c, v.email, o.first_m, o.first_m, now() + $4::int * interval '1 second', $4::int > 0
  FROM offline o JOIN conversation cv ON cv.id = o.c JOIN visitor v ON v.id = cv.visitor_id
  WHERE coalesce(v.email, '') <> ''
  ON CONFLICT (conversation_id, kind) WHERE kind IN ('support_new', 'visitor_ack') DO NOTHING
  RETURNING id
), reply AS (
  INSERT INTO email_outbox (kind, conversation_id, to_address, first_message_id, due_at)
  SELECT 'visitor_reply'::email_kind, r.c, v.email, r.first_m, now() + $3::int * interval '1 second'
  FROM (SELECT c, min(m) AS first_m FROM input WHERE s = 'AGENT' AND gone GROUP BY c) r
  JOIN conversation cv ON cv.id = r.c JOIN visitor v ON v.id = cv.visitor_id
  WHERE coalesce(v.email, '') <> ''
  ON CONFLICT (conversation_id, kind) WHERE status = 'pending' AND kind IN ('support_followup', 'visitor_reply') DO NOTHING
  RETURNING id
)
SELECT (SELECT count(*) FROM support_new) + (SELECT count(*) FROM followup) + (SELECT count(*) FROM ack)
     + (SELECT count(*) FROM reply),
  -- The pending follow-ups, and how long until each is due (PendingFollowups).
  (SELECT coalesce(json_agg(json_build_array(conversation_id,
     (extract(epoch FROM due_at - clock_timestamp()) * 1000)::bigint)), '[]') FROM pending)::text)SQL"};

// A visitor who gave their address after writing (within the hour, before any agent answered,
// conversation still open) gets the acknowledgement they would have had.
// Its shape holds whatever the statistics say, since it may be planned while the outbox and the
// open conversations are still near empty (a start, a burst of new conversations): each recent
// "new conversation" email is looked up by primary key in `conversation` and `visitor` (the
// laterals, OFFSET 0: not flattened, and without the status filter, which would let the planner
// pick conversation_one_open and scan every open conversation per row), and the two NOT EXISTS
// name `v.email`, so they run only for visitors who have an address. Without that, a plan made on
// an empty outbox looped over the open conversations and scanned the outbox for each.
// Planned afresh at every run, never prepared (see enqueue_late_acknowledgements).
const store::Statement kLateAcks{"outbox_late_acks", R"SQL(
INSERT INTO email_outbox (kind, conversation_id, to_address, first_message_id, covers_through_message_id)
SELECT 'visitor_ack'::email_kind, s.conversation_id, v.email, s.first_message_id, s.first_message_id
FROM email_outbox s
CROSS JOIN LATERAL (SELECT c.status, c.visitor_id FROM conversation c WHERE c.id = s.conversation_id OFFSET 0) c
CROSS JOIN LATERAL (SELECT v.email FROM visitor v WHERE v.id = c.visitor_id AND coalesce(v.email, '') <> '' OFFSET 0) v
WHERE s.kind = 'support_new' AND s.created_at > now() - interval '1 hour' AND c.status <> 'RESOLVED'
  AND NOT EXISTS (SELECT 1 FROM email_outbox a WHERE a.conversation_id = s.conversation_id AND a.kind = 'visitor_ack'
                  AND v.email IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = s.conversation_id AND m.sender = 'AGENT'
                  AND m.id > s.first_message_id AND v.email IS NOT NULL)
ON CONFLICT (conversation_id, kind) WHERE kind IN ('support_new', 'visitor_ack') DO NOTHING)SQL"};

const store::Statement kConversationEmails{"outbox_conversation_emails", R"SQL(
SELECT coalesce(json_agg(json_build_object(
  'id', id, 'kind', kind, 'to', to_address, 'status', status, 'attempts', attempts,
  'lastError', last_error, 'sentAt', parley_time(sent_at), 'createdAt', parley_time(created_at),
  'dueAt', parley_time(due_at)) ORDER BY id), '[]'::json)::text
FROM email_outbox WHERE conversation_id = $1)SQL"};

}  // namespace

bool enqueue_emails(store::DbConn& conn, pqxx::transaction_base& txn, const std::vector<MessageEvent>& events,
                    const EnqueueSettings& settings, PendingFollowups* pending) {
  // Before the statement: a due time learned from it, counted from here, is never later than its own.
  auto started = PendingFollowups::Clock::now();
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : events) {
    bool away = e.sender == "VISITOR" && !e.team_available;
    bool gone = e.sender == "AGENT" && !e.visitor_connected;
    if (!away && !gone) continue;
    if (away && pending && pending->covers(e.conversation_id, started)) continue;  // joins the pending follow-up
    rows.push_back({{"m", e.message_id}, {"c", e.conversation_id}, {"s", e.sender}, {"away", away}, {"gone", gone},
                    {"ooh", e.out_of_hours}});
  }
  if (rows.empty()) return false;  // the common case costs nothing
  auto r = conn.exec(txn, kEnqueue, rows.dump(), settings.support_email, settings.batch_seconds,
                    settings.team_may_return_seconds);
  if (r.empty()) return false;
  if (pending) {
    // Stop skipping a little before the due time, so that a message skipped is committed before
    // the worker claims the follow-up and renders it: the batch commits right after this hook.
    auto margin = std::min<std::chrono::milliseconds>(std::chrono::seconds(5),
                                                      std::chrono::milliseconds(settings.batch_seconds * 250));
    for (const auto& f : nlohmann::json::parse(r[0][1].c_str())) {
      auto until = started + std::chrono::milliseconds(f[1].get<std::int64_t>()) - margin;
      if (until > started) pending->learn(f[0].get<std::int64_t>(), until);
    }
  }
  return r[0][0].as<std::int64_t>() > 0;
}

std::int64_t enqueue_late_acknowledgements(store::DbConn&, pqxx::transaction_base& txn) {
  // Not a prepared statement: without parameters, a prepared statement is planned once, at its
  // first run — at the server's start, when the outbox and the open conversations may be near
  // empty — and PostgreSQL keeps that plan until the next ANALYZE of one of its tables. The old
  // shape, planned so, looped over the open conversations and scanned the whole outbox for each
  // (1.1–2.3 s a run under the pairs benchmark: 2,000 open conversations × 2,600 outbox rows).
  // Planned here, each run sees the tables' current sizes (the shape above holds either way).
  return txn.exec_params(kLateAcks.sql).affected_rows();
}

std::string support_address(const Config& config) {
  if (!config.support_email.empty()) return config.support_email;
  const std::string& from = config.mail_from;  // "Name <addr>" or "addr"
  auto open = from.rfind('<');
  auto close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return from.substr(open + 1, close - open - 1);
  return from;
}

nlohmann::json conversation_emails(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id) {
  auto r = conn.exec(txn, kConversationEmails, conversation_id);
  return nlohmann::json::parse(r[0][0].c_str());
}

OutboxCounts outbox_counts(store::DbConn& conn) {
  OutboxCounts out;
  pqxx::read_transaction txn(conn.raw());
  out.table = txn.exec1("SELECT to_regclass('email_outbox') IS NOT NULL")[0].as<bool>();
  if (!out.table) return out;
  try {
    for (const auto& row : txn.exec("SELECT lower(status::text), count(*) FROM email_outbox GROUP BY 1")) {
      out.counts.emplace_back(row[0].is_null() ? "" : row[0].as<std::string>(), row[1].as<std::int64_t>());
    }
  } catch (const pqxx::sql_error& e) {
    // A table of another shape (no status column yet): report nothing rather than fail.
    spdlog::debug("metrics: email_outbox not readable: {}", e.what());
    out.counts.clear();
  }
  return out;
}

}  // namespace parley::mail
