#include "parley/chat/message_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <thread>

#include "parley/chat/event_origins.hpp"
#include "parley/conversation/message_batch.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {
namespace {

// Group commit sized by load. Each commit costs the same round trips, executor start and WAL
// flush however many messages it holds; at 8,000 msg/s the writer committed ~1,000 times a
// second, 9 messages each. When the last batch held kBusyBatch or more (messages queue up
// while a commit runs: the load is high), the next starts kBusyInterval after the last one
// started: ~4 ms more latency at most, 21 % less CPU per message at 8,000 msg/s, and p99 at
// 10,000 msg/s fell from >100 ms to ~13 ms (docs/BENCHMARKS.md). At lower load a lone message
// is written at once.
constexpr std::size_t kBusyBatch = 8;
constexpr auto kBusyInterval = std::chrono::milliseconds(4);

}  // namespace

MessageWriter::MessageWriter(std::string database_url, WriterLimits limits, conversation::EventsCommitted& committed,
                             EventOrigins& origins, BatchHooks hooks)
    : url_(std::move(database_url)), limits_(limits), committed_(committed), origins_(origins), hooks_(std::move(hooks)) {
  thread_ = std::thread([this] { thread_main(); });
}

MessageWriter::~MessageWriter() { stop(); }

void MessageWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t MessageWriter::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool MessageWriter::submit(PendingMessage message) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    // The oldest message not yet answered: the batch being written holds the oldest, if any.
    auto oldest = writing_since_ ? writing_since_ : queue_.empty() ? std::nullopt : std::optional(queue_.front().since);
    bool stale = oldest && now - *oldest > limits_.max_wait;
    if (!stopping_ && !stale && queue_.size() < limits_.queue_limit) {
      queue_.push_back({std::move(message), now});
      cv_.notify_one();
      return true;
    }
  }
  stats_.rejected.fetch_add(1);
  message.done(ApiError::overloaded());
  return false;
}

void MessageWriter::thread_main() {
  // The batch statement's plan does not depend on its one JSON parameter: planning it
  // anew for every batch (PostgreSQL's custom plans) cost as much as running it.
  store::ConnectionSlot slot(url_, "SET plan_cache_mode = force_generic_plan");
  std::vector<PendingMessage> batch;
  auto last_start = std::chrono::steady_clock::now() - kBusyInterval;
  std::size_t last_size = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      if (last_size >= kBusyBatch && !stopping_ && queue_.size() < limits_.max_batch) {
        // Busy: let the batch fill until kBusyInterval after the last one started. A sleep,
        // not a wait on cv_: every submit would wake us.
        lock.unlock();
        std::this_thread::sleep_until(last_start + kBusyInterval);
        lock.lock();
      }
      last_start = std::chrono::steady_clock::now();
      // Whatever accumulated while the last batch was committing goes into this one:
      // the batch grows with the load, and a lone message is written at once.
      writing_since_ = queue_.front().since;
      while (!queue_.empty() && batch.size() < limits_.max_batch) {
        batch.push_back(std::move(queue_.front().message));
        queue_.pop_front();
      }
      last_size = batch.size();
    }
    write_batch(slot, batch);
    batch.clear();
  }
}

void MessageWriter::write_batch(store::ConnectionSlot& slot, std::vector<PendingMessage>& batch) {
  // The same (conversation, client id) twice in one batch — a re-send racing the
  // original — is written once, and both senders get that one row: batch[i] is rows[row_of[i]],
  // and rows[r] came first from batch[first_of[r]].
  std::vector<std::size_t> row_of(batch.size());
  std::vector<std::size_t> first_of;
  std::map<std::pair<std::int64_t, std::string>, std::size_t> seen;
  std::vector<conversation::BatchRow> rows;
  rows.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& m = batch[i];
    auto [it, fresh] = seen.try_emplace({m.conversation_id, m.client_id}, rows.size());
    row_of[i] = it->second;
    if (!fresh) continue;
    first_of.push_back(i);
    rows.push_back({m.conversation_id, m.sender, m.agent_id, m.agent_name, m.client_id, m.body});
  }

  auto started = std::chrono::steady_clock::now();
  bool wake_after_commit = false;
  std::optional<std::int64_t> event_seq;
  auto outcome = slot.run<std::vector<conversation::StoredRow>>([&](store::DbConn& conn) {
    event_seq.reset();  // this attempt's (a lost connection is tried again)
    conversation::EventTransaction tx(conn, committed_);
    auto stored = conversation::store_message_batch(tx, rows);
    auto& out = stored.rows;
    event_seq = stored.event_seq;
    if (hooks_.hook) {
      std::vector<InsertedMessage> inserted;
      for (std::size_t r = 0; r < out.size(); ++r) {
        if (!out[r].inserted || !out[r].doc) continue;
        const auto& m = batch[first_of[r]];
        inserted.push_back({out[r].id, m.conversation_id, out[r].visitor_id, m.sender, m.team_available, m.out_of_hours});
      }
      if (!inserted.empty()) wake_after_commit = hooks_.hook(conn, tx.txn(), inserted);
    }
    if (event_seq) {
      // The row's lines are the inserted messages in id order (the batch statement's `ev`).
      std::vector<std::size_t> lines;
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].inserted) lines.push_back(i);
      }
      std::sort(lines.begin(), lines.end(), [&](std::size_t a, std::size_t b) { return out[a].id < out[b].id; });
      EventOrigins::Origins senders;
      for (auto r : lines) senders.push_back(batch[first_of[r]].from_socket);
      origins_.add(*event_seq, std::move(senders));
    }
    tx.commit();  // notifies and wakes this process's feed
    return std::move(out);
  });
  {
    // Written (or failed) before anyone hears of it: a sender acked below may send again at
    // once, and must not be refused as overloaded for the wait of a batch that is over.
    std::lock_guard lock(mutex_);
    writing_since_.reset();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stats_.batches.fetch_add(1);
  if (stats_.on_batch) stats_.on_batch(rows.size(), seconds);

  if (!outcome.ok()) {
    if (event_seq) origins_.forget(*event_seq);
    stats_.failed_batches.fetch_add(1);
    // A batch that failed for a reason other than the database being away may hold one
    // message that cannot be stored: write the messages one by one, so only that one fails.
    if (outcome.error().code() == "internal" && batch.size() > 1) {
      for (auto& m : batch) {
        std::vector<PendingMessage> single;
        single.push_back(std::move(m));
        write_batch(slot, single);
      }
      return;
    }
    for (auto& m : batch) m.done(outcome.error());
    return;
  }
  if (wake_after_commit && hooks_.after_commit) hooks_.after_commit();
  const auto& results = outcome.value();
  std::size_t stored = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const conversation::StoredRow& row = results[row_of[i]];
    auto& m = batch[i];
    if (!row.doc) {
      if (row.agent_refused) {
        m.done(ApiError(403, "agent_disabled", "This agent account is disabled"));
      } else if (row.exists) {
        m.done(ApiError(409, "client_id_conflict", "That client id is already used by another sender"));
      } else if (m.sender == "VISITOR") {
        m.done(ApiError(409, "conversation_closed", "The conversation was resolved"));
      } else {
        m.done(ApiError::not_found("No such conversation"));
      }
      continue;
    }
    bool inserted = row.inserted && first_of[row_of[i]] == i;
    if (inserted) ++stored;
    if (inserted && m.opens_conversation && hooks_.opened) hooks_.opened(m.conversation_id);
    m.done(StoredMessage{row.id, m.conversation_id, row.visitor_id, inserted, *row.doc});
  }
  stats_.messages_stored.fetch_add(stored);
}

}  // namespace parley::chat
