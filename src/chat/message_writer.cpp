#include "parley/chat/message_writer.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <thread>

#include "parley/chat/event_log.hpp"
#include "parley/chat/event_origins.hpp"
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

// One statement per batch. Rows whose client id is already stored in the conversation are
// skipped by ON CONFLICT and answered with the stored row, so a re-send is stored once.
// A visitor cannot write into a resolved conversation (`ins` skips the row).
const store::Statement kInsertBatch{"message_insert_batch", R"SQL(
WITH input AS (
  SELECT * FROM json_to_recordset($1::json)
    AS x(i int, c bigint, s message_sender, a bigint, an text, k text, b text)
), target AS MATERIALIZED (
  -- One index lookup per row; OFFSET 0 keeps it so. As a plain join it was planned for
  -- json_to_recordset's guess of 100 rows and scanned the whole conversation table.
  SELECT input.*, cv.visitor_id, cv.status
  FROM input, LATERAL (SELECT visitor_id, status FROM conversation WHERE id = input.c OFFSET 0) cv
), ins AS (
  INSERT INTO message (conversation_id, sender, agent_id, client_id, body)
  SELECT c, s, a, k, b FROM target WHERE s <> 'VISITOR' OR status <> 'RESOLVED'
  ORDER BY i
  ON CONFLICT ON CONSTRAINT message_client_id_once DO NOTHING
  RETURNING id, conversation_id, sender, agent_id, client_id, body, created_at
), bump AS (
  -- Newest activity first in the inbox: at most once a second per conversation, because
  -- updated_at is indexed and each rewrite of the row is a non-HOT update of five indexes.
  UPDATE conversation SET updated_at = now()
  WHERE id = ANY (ARRAY(SELECT DISTINCT conversation_id FROM ins)) AND updated_at < now() - interval '1 second'
), fresh AS (
  SELECT ins.id, ins.conversation_id, ins.client_id, target.visitor_id, json_build_object(
      'id', ins.id, 'conversationId', ins.conversation_id, 'sender', ins.sender, 'agentId', ins.agent_id,
      'agentName', target.an, 'clientId', ins.client_id, 'body', ins.body,
      'createdAt', parley_time(ins.created_at))::text AS doc
  FROM ins JOIN target ON target.c = ins.conversation_id AND target.k = ins.client_id
), ev AS (
  -- Every process delivers these, in seq order (see event_log.hpp); one serialisation each,
  -- one row for the whole batch: line i of `frame` goes to visitor_ids[i] (migration 0005).
  INSERT INTO event_log (frame, to_agents, visitor_ids)
  SELECT string_agg('{"type":"message","message":' || doc || '}', E'\n' ORDER BY id), true,
         array_agg(visitor_id ORDER BY id)
  FROM fresh HAVING count(*) > 0
  RETURNING seq
)
SELECT input.i, fresh.id IS NOT NULL AS inserted, coalesce(fresh.id, old.id) AS id, target.visitor_id,
  (SELECT seq FROM ev) AS event_seq,
  CASE
    WHEN fresh.id IS NOT NULL THEN fresh.doc
    WHEN old.id IS NOT NULL AND old.sender = input.s AND old.agent_id IS NOT DISTINCT FROM input.a
      THEN (SELECT doc::text FROM message_doc WHERE id = old.id)
  END AS doc,
  old.id IS NOT NULL AS exists_already
FROM input
LEFT JOIN target ON target.i = input.i
LEFT JOIN fresh ON fresh.conversation_id = input.c AND fresh.client_id = input.k
LEFT JOIN LATERAL (  -- the stored row, for a re-send
  SELECT id, sender, agent_id FROM message
  WHERE fresh.id IS NULL AND conversation_id = input.c AND client_id = input.k
) old ON true
ORDER BY input.i
)SQL"};

}  // namespace

MessageWriter::MessageWriter(std::string database_url, std::size_t queue_limit, std::chrono::milliseconds max_wait,
                             std::size_t max_batch)
    : url_(std::move(database_url)), queue_limit_(queue_limit), max_wait_(max_wait), max_batch_(max_batch) {
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

void MessageWriter::set_events_listener(std::function<void()> on_committed) {
  std::lock_guard lock(mutex_);
  events_committed_ = std::move(on_committed);
}

void MessageWriter::set_event_origins(EventOrigins* origins) {
  std::lock_guard lock(mutex_);
  origins_ = origins;
}

void MessageWriter::set_batch_hook(BatchHook hook, std::function<void()> after_commit) {
  // Before the first submit: the queue's mutex orders this before the writer's reads.
  std::lock_guard lock(mutex_);
  batch_hook_ = std::move(hook);
  after_commit_ = std::move(after_commit);
}

void MessageWriter::submit(PendingMessage message) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    // The oldest message not yet answered: the batch being written holds the oldest, if any.
    auto oldest = writing_since_ ? writing_since_ : queue_.empty() ? std::nullopt : std::optional(queue_.front().since);
    bool stale = oldest && now - *oldest > max_wait_;
    if (!stopping_ && !stale && queue_.size() < queue_limit_) {
      queue_.push_back({std::move(message), now});
      cv_.notify_one();
      return;
    }
  }
  stats_.rejected.fetch_add(1);
  message.done(ApiError::overloaded());
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
      if (last_size >= kBusyBatch && !stopping_ && queue_.size() < max_batch_) {
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
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front().message));
        queue_.pop_front();
      }
      last_size = batch.size();
    }
    write_batch(slot, batch);
    batch.clear();
    std::lock_guard lock(mutex_);
    writing_since_.reset();
  }
}

void MessageWriter::write_batch(store::ConnectionSlot& slot, std::vector<PendingMessage>& batch) {
  // The same (conversation, client id) twice in one batch — a re-send racing the
  // original — is written once, and both senders get that one row.
  std::vector<std::size_t> first_of(batch.size());
  std::map<std::pair<std::int64_t, std::string>, std::size_t> seen;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& m = batch[i];
    auto [it, fresh] = seen.try_emplace({m.conversation_id, m.client_id}, i);
    first_of[i] = it->second;
    if (!fresh) continue;
    rows.push_back({{"i", i},
                    {"c", m.conversation_id},
                    {"s", m.sender},
                    {"a", m.agent_id ? nlohmann::json(*m.agent_id) : nlohmann::json()},
                    {"an", m.agent_name.empty() ? nlohmann::json() : nlohmann::json(m.agent_name)},
                    {"k", m.client_id},
                    {"b", m.body}});
  }

  struct Row {
    bool inserted = false;
    bool exists = false;
    std::int64_t id = 0;
    std::int64_t visitor_id = 0;
    std::optional<std::string> doc;
  };
  auto started = std::chrono::steady_clock::now();
  bool wake_after_commit = false;
  bool any_inserted = false;
  std::optional<std::int64_t> event_seq;
  auto outcome = slot.run<std::vector<Row>>([&](store::DbConn& conn) {
    pqxx::work txn(conn.raw());
    lock_event_order(conn, txn);  // first: our event rows commit in seq order
    pqxx::result r = conn.exec(txn, kInsertBatch, rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::vector<Row> out(batch.size());
    event_seq.reset();
    if (!r.empty() && !r[0]["event_seq"].is_null()) event_seq = r[0]["event_seq"].as<std::int64_t>();
    for (const auto& row : r) {
      Row& o = out[row["i"].as<std::size_t>()];
      o.inserted = row["inserted"].as<bool>();
      o.exists = row["exists_already"].as<bool>();
      if (!row["id"].is_null()) o.id = row["id"].as<std::int64_t>();
      if (!row["visitor_id"].is_null()) o.visitor_id = row["visitor_id"].as<std::int64_t>();
      if (!row["doc"].is_null()) o.doc = row["doc"].as<std::string>();
    }
    if (batch_hook_) {
      std::vector<InsertedMessage> inserted;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!out[i].inserted || !out[i].doc) continue;
        inserted.push_back({out[i].id, batch[i].conversation_id, out[i].visitor_id, batch[i].sender, batch[i].team_available});
      }
      if (!inserted.empty()) wake_after_commit = batch_hook_(conn, txn, inserted);
    }
    any_inserted = std::any_of(out.begin(), out.end(), [](const Row& o) { return o.inserted; });
    if (event_seq && origins_) {
      // The row's lines are the inserted messages in id order (the `ev` CTE).
      std::vector<std::size_t> lines;
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].inserted) lines.push_back(i);
      }
      std::sort(lines.begin(), lines.end(), [&](std::size_t a, std::size_t b) { return out[a].id < out[b].id; });
      EventOrigins::Origins senders;
      for (auto i : lines) senders.push_back(batch[i].from_socket);
      origins_->add(*event_seq, std::move(senders));
    }
    if (any_inserted) notify_events(conn, txn);
    txn.commit();
    return out;
  });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stats_.batches.fetch_add(1);
  if (stats_.on_batch) stats_.on_batch(rows.size(), seconds);

  if (!outcome.ok()) {
    if (event_seq && origins_) origins_->forget(*event_seq);
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
  if (wake_after_commit && after_commit_) after_commit_();
  if (any_inserted && events_committed_) events_committed_();
  const auto& results = outcome.value();
  std::size_t stored = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Row& row = results[first_of[i]];
    auto& m = batch[i];
    if (!row.doc) {
      if (row.exists) {
        m.done(ApiError(409, "client_id_conflict", "That client id is already used by another sender"));
      } else if (m.sender == "VISITOR") {
        m.done(ApiError(409, "conversation_closed", "The conversation was resolved"));
      } else {
        m.done(ApiError::not_found("No such conversation"));
      }
      continue;
    }
    bool inserted = row.inserted && first_of[i] == i;
    if (inserted) ++stored;
    m.done(StoredMessage{row.id, m.conversation_id, row.visitor_id, inserted, *row.doc});
  }
  stats_.messages_stored.fetch_add(stored);
}

}  // namespace parley::chat
