#pragma once
// Group commit: messages from every connection are queued here and written by one thread,
// many per transaction (one statement per batch), and each sender is told only after
// the commit. One writer keeps message ids in commit order, so a cursor never skips.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "parley/conversation/event_writer.hpp"
#include "parley/core/outcome.hpp"
#include "parley/chat/link.hpp"

namespace pqxx {
class transaction_base;
}
namespace parley::store {
class ConnectionSlot;
}

namespace parley::chat {

class EventOrigins;

struct StoredMessage {
  std::int64_t id = 0;
  std::int64_t conversation_id = 0;
  std::int64_t visitor_id = 0;  // whose conversation it is, for delivery
  bool inserted = false;        // false: a re-send of a message stored earlier
  std::string doc;              // the Message as JSON text
};

struct PendingMessage {
  std::int64_t conversation_id = 0;
  std::string sender;  // VISITOR | AGENT | BOT
  std::optional<std::int64_t> agent_id;
  std::string agent_name;
  std::string client_id;
  std::string body;
  // VISITOR messages: whether an agent was available when it was sent (offline mode).
  bool team_available = true;
  // VISITOR messages: written outside business hours (support emails say so).
  bool out_of_hours = false;
  // The first message of a conversation its sender's socket just began (the FAQ bot's cue).
  bool opens_conversation = false;
  // Called on the writer thread, in commit order, after the commit (or the failure).
  std::function<void(Outcome<StoredMessage>)> done;
  // The visitor socket it came from: `done` acks it there, so the feed need not echo it back.
  std::weak_ptr<ClientLink> from_socket;
};

// A message the current batch inserted (not a re-send), as the batch hook sees it.
struct InsertedMessage {
  std::int64_t id = 0;
  std::int64_t conversation_id = 0;
  std::int64_t visitor_id = 0;
  std::string sender;
  bool team_available = true;  // copied from PendingMessage
  bool out_of_hours = false;    // copied from PendingMessage
};

// Runs on the writer thread INSIDE the batch transaction, after the insert and before the
// commit, so what it writes commits (or fails) with the messages. Keep it to a statement or
// two per batch. Returns true to have `after_commit` called once the batch is committed.
using BatchHook = std::function<bool(store::DbConn&, pqxx::transaction_base&, const std::vector<InsertedMessage>&)>;

struct WriterStats {
  std::atomic<std::uint64_t> messages_stored{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> failed_batches{0};
  // Histograms are recorded by the metrics code through this hook when set.
  std::function<void(std::size_t batch_size, double seconds)> on_batch;
};

struct WriterLimits {
  std::size_t queue_limit = 100000;
  std::chrono::milliseconds max_wait{2000};
  std::size_t max_batch = 1000;
};

// What else a batch does: `hook` runs inside the batch transaction (e.g. the email outbox,
// see mail/outbox.hpp); `after_commit` once such a batch committed. Both may be empty.
// `opened` is called after the commit for each inserted message marked opens_conversation,
// with its conversation: it must only queue work (the FAQ bot's look, bot/bot.hpp).
struct BatchHooks {
  BatchHook hook;
  std::function<void()> after_commit;
  std::function<void(std::int64_t conversation_id)> opened;
};

class MessageWriter {
 public:
  // The queue is bounded twice: by `queue_limit` messages, and by `max_wait` — while the oldest
  // message not yet answered (queued, or in the batch being written) has waited longer, new ones
  // are refused. A sender then hears at once that it should retry (clients back off and re-send
  // the same client id) instead of waiting seconds for an ack behind a queue the database
  // cannot drain.
  // `committed` hears of every batch that appended events (the local EventFeed reads them
  // at once, without waiting for the NOTIFY round trip); `origins` records each batch's
  // senders (event_origins.hpp).
  MessageWriter(std::string database_url, WriterLimits limits, conversation::EventsCommitted& committed,
                EventOrigins& origins, BatchHooks hooks = {});
  ~MessageWriter();

  // Fails at once with 503 overloaded when the queue is full or its oldest message too old:
  // `done` is called with the error before this returns false.
  bool submit(PendingMessage message);
  // Writes what is queued, then ends the thread.
  void stop();

  std::size_t queue_depth() const;
  WriterStats& stats() { return stats_; }

 private:
  void thread_main();
  void write_batch(store::ConnectionSlot& slot, std::vector<PendingMessage>& batch);

  struct Queued {
    PendingMessage message;
    std::chrono::steady_clock::time_point since;
  };

  const std::string url_;
  const WriterLimits limits_;
  conversation::EventsCommitted& committed_;
  EventOrigins& origins_;
  const BatchHooks hooks_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  std::optional<std::chrono::steady_clock::time_point> writing_since_;  // the batch being written, queued since
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace parley::chat
