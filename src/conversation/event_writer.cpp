#include "parley/conversation/event_writer.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace parley::conversation {
namespace {

// Any constant, the same in every process (it differs from the migration lock's key).
constexpr long long kEventOrderLockKey = 0x7061726c657645;  // "parlevE"

const store::Statement kLockOrder{"event_lock_order", "SELECT pg_advisory_xact_lock($1)"};
const store::Statement kAppend{"event_append", R"SQL(
INSERT INTO event_log (visitor_id, frame, to_agents, visitor_frame) VALUES ($1, $2, true, $3))SQL"};
// An event for agent sockets only (no visitor's tabs): read receipts.
const store::Statement kAppendToAgents{"event_append_to_agents",
                                       "INSERT INTO event_log (frame, to_agents) VALUES ($1, true)"};
const store::Statement kNotify{"event_notify", "SELECT pg_notify($1, '')"};
// Rows commit in seq order, so the old ones are a prefix: found by walking the primary key up
// to the first recent row (no index on created_at to keep up per message).
// Ten minutes: long enough for any process's feed to have read them, short enough to keep
// the table small.
//
// From seq $1 on: everything below it was deleted by this process's previous prune. Seqs are
// taken under the event-order lock, so no row below a cut can commit after it. Starting the
// walk at the head of the table instead passed over every row the earlier prunes had deleted
// and autovacuum had not yet removed — 155 ms for a prune that deleted nothing, in bench/soak.
const store::Statement kPrune{"event_log_prune", R"SQL(
WITH cut AS (
  SELECT coalesce(
    (SELECT seq FROM event_log WHERE seq >= $1 AND created_at >= now() - interval '10 minutes' ORDER BY seq LIMIT 1),
    (SELECT max(seq) + 1 FROM event_log)) AS seq
), gone AS (
  DELETE FROM event_log WHERE seq >= $1 AND seq < (SELECT seq FROM cut) RETURNING 1
)
SELECT coalesce((SELECT seq FROM cut), $1), (SELECT count(*) FROM gone))SQL"};

constexpr const char* kReadStatement = "event_log_read";
constexpr const char* kReadSql = R"SQL(
SELECT seq, visitor_id, frame, to_agents, visitor_frame, visitor_ids, rows FROM (
  SELECT *, sum(octet_length(frame)) OVER (ORDER BY seq) AS upto, count(*) OVER () AS rows
  FROM (SELECT * FROM event_log WHERE seq > $1 ORDER BY seq LIMIT $2) page
) sized
WHERE upto - octet_length(frame) < $3 ORDER BY seq)SQL";

}  // namespace

void EventSequence::appended() {
  if (state_ == State::Committed || state_ == State::Abandoned) {
    throw std::logic_error("event log: append after the transaction ended");
  }
  state_ = State::Appended;
}

bool EventSequence::finish() {
  if (state_ == State::Committed || state_ == State::Abandoned) {
    throw std::logic_error("event log: the transaction already ended");
  }
  bool appended = state_ == State::Appended;
  state_ = State::Committed;
  return appended;
}

EventTransaction::EventTransaction(store::DbConn& conn, EventsCommitted& committed)
    : conn_(conn), txn_(conn.raw()), committed_(committed) {
  conn_.exec(txn_, kLockOrder, kEventOrderLockKey);
}

void EventTransaction::append_conversation(const std::string& conversation_doc) {
  auto doc = nlohmann::json::parse(conversation_doc);
  nlohmann::json brief = {{"type", "conversation"},
                          {"conversation", {{"id", doc["id"]}, {"status", doc["status"]}, {"version", doc["version"]}}}};
  // The FAQ bot's state, for the widget's choice buttons (docs/BOT.md); absent when none.
  if (doc.contains("bot") && !doc["bot"].is_null()) brief["conversation"]["bot"] = doc["bot"];
  // Who has it, by name only: the widget says "Bo joined the conversation" (docs/PROTOCOL.md).
  if (doc.contains("assignedTo") && doc["assignedTo"].is_object()) {
    brief["conversation"]["agent"] = doc["assignedTo"].value("name", "");
  }
  exec_appending(kAppend, doc["visitor"]["id"].get<std::int64_t>(),
                 R"({"type":"conversation","conversation":)" + conversation_doc + "}", brief.dump());
}

void EventTransaction::append_to_agents(const std::string& frame) { exec_appending(kAppendToAgents, frame); }

void EventTransaction::commit() {
  // Ends the sequence first: whatever happens below, nothing can be appended any more.
  bool appended = sequence_.finish();
  try {
    if (appended) conn_.exec(txn_, kNotify, std::string(kEventsChannel));
    txn_.commit();
  } catch (...) {
    sequence_.abandon();  // rolled back (or in doubt): nothing is announced
    throw;
  }
  if (appended) committed_.events_committed();
}

std::int64_t last_event_seq(pqxx::connection& conn) {
  pqxx::read_transaction txn(conn);
  return txn.exec1("SELECT coalesce(max(seq), 0) FROM event_log")[0].as<std::int64_t>();
}

void prepare_event_reads(pqxx::connection& conn) { conn.prepare(kReadStatement, kReadSql); }

pqxx::result read_event_page(pqxx::connection& conn, std::int64_t after, std::int64_t limit, std::int64_t max_bytes) {
  // One round trip: a single statement needs no BEGIN/COMMIT around it.
  pqxx::nontransaction txn(conn);
  return txn.exec_prepared(kReadStatement, after, limit, max_bytes);
}

EventLogPrune prune_event_log(store::DbConn& conn, std::int64_t from_seq) {
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kPrune, from_seq);
  txn.commit();
  return {r[0][1].as<std::int64_t>(), r[0][0].as<std::int64_t>()};
}

}  // namespace parley::conversation
