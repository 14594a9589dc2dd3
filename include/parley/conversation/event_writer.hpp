#pragma once
// The only way to append to the event log (migrations/0003_event_log.sql), the commit-ordered
// stream every process reads and delivers to its sockets. One transaction that appends runs
//   lock the event order → append → notify → commit → wake this process's feed
// and EventTransaction is that sequence: the lock is taken by its constructor, appends are
// refused once it has committed, and commit() notifies and wakes exactly when something was
// appended. Forgetting a step is no longer possible, because no other code can append.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::conversation {

// Told after a transaction that appended events has committed (this process's EventFeed).
class EventsCommitted {
 public:
  virtual ~EventsCommitted() = default;
  virtual void events_committed() = 0;  // thread-safe, cheap, never blocks
};

// The steps of one appending transaction, without the database: unit-tested on its own.
class EventSequence {
 public:
  enum class State { Locked, Appended, Committed, Abandoned };
  // An append after commit (or after a failed commit) throws std::logic_error.
  void appended();
  // Ends the sequence; returns whether to notify and wake. A second call throws.
  bool finish();
  void abandon() { state_ = State::Abandoned; }
  State state() const { return state_; }

 private:
  State state_ = State::Locked;
};

class EventTransaction {
 public:
  // BEGINs and takes the event-order lock first, before any row lock, so that event rows
  // commit in seq order in every process.
  EventTransaction(store::DbConn& conn, EventsCommitted& committed);
  // Not committed (an exception, a refusal): pqxx::work rolls back; nothing was announced.
  EventTransaction(const EventTransaction&) = delete;
  EventTransaction& operator=(const EventTransaction&) = delete;

  store::DbConn& conn() { return conn_; }
  pqxx::work& txn() { return txn_; }

  // A conversation changed: the full document for agents, id/status/version for its visitor.
  void append_conversation(const std::string& conversation_doc);
  // A frame for every agent socket, none for a visitor (a read receipt).
  void append_to_agents(const std::string& frame);
  // Runs a statement that inserts event rows itself (the message batch, one row per batch).
  template <class... Args>
  pqxx::result exec_appending(const store::Statement& statement, Args&&... args) {
    sequence_.appended();
    return conn_.exec(txn_, statement, std::forward<Args>(args)...);
  }
  // NOTIFY (if anything was appended), COMMIT, then wake this process's feed.
  void commit();

 private:
  store::DbConn& conn_;
  pqxx::work txn_;
  EventsCommitted& committed_;
  EventSequence sequence_;
};

// Readers of the log (the feed) and its housekeeping: the log's other owner-side functions.
inline constexpr const char* kEventsChannel = "parley_events";  // wake-up: new rows in event_log

// The last seq in the log (0 when empty): where a new reader starts.
std::int64_t last_event_seq(pqxx::connection& conn);
// Prepares the page read on a reader's own connection (once per connection).
void prepare_event_reads(pqxx::connection& conn);
// A page of rows after `after`: at most `limit` rows and, past the first, `max_bytes` of frames.
// Columns: seq, visitor_id, frame, to_agents, visitor_frame, visitor_ids, rows (how many rows
// the page had before the byte bound cut it).
pqxx::result read_event_page(pqxx::connection& conn, std::int64_t after, std::int64_t limit, std::int64_t max_bytes);
// Deletes rows older than every feed can still need (10 minutes), from seq `from_seq` on (0 the
// first time; then the previous prune's `next_from`: rows below it are gone already).
struct EventLogPrune {
  std::int64_t deleted = 0;
  std::int64_t next_from = 0;
};
EventLogPrune prune_event_log(store::DbConn& conn, std::int64_t from_seq);

}  // namespace parley::conversation
