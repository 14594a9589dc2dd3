#include "parley/chat/visitor_auth_batcher.hpp"

#include <map>

namespace parley::chat {

std::shared_ptr<VisitorAuthBatcher> VisitorAuthBatcher::create(store::DbPool& pool, Limits limits) {
  return std::shared_ptr<VisitorAuthBatcher>(new VisitorAuthBatcher(pool, limits));
}

void VisitorAuthBatcher::submit(std::string token_digest, Done done) {
  Batch batch;  // stays empty only when the queue was full
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() < limits_.queue_limit) {
      queue_.push_back({std::move(token_digest), std::move(done), std::chrono::steady_clock::now()});
      if (in_flight_) return;  // it goes into the next batch
      in_flight_ = true;
      batch = next_batch();
    }
  }
  if (batch.empty()) return done(ApiError::overloaded());  // the queue is full: answered outside the lock
  run(std::move(batch));
}

VisitorAuthBatcher::Batch VisitorAuthBatcher::next_batch() {
  Batch batch;
  while (!queue_.empty() && batch.size() < limits_.max_batch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (batch.empty()) in_flight_ = false;
  return batch;
}

// Runs batches one after the other until the queue is empty: each batch's completion (on a
// database thread) takes the next. A batch the pool refuses at once (its queue full) is
// answered 503 at once and its completion goes on the same way — at most queue_limit ÷
// max_batch deep.
void VisitorAuthBatcher::run(Batch batch) {
  while (!batch.empty()) {
    // Expired waits are answered 503 without a lookup; tabs sharing a token share one.
    auto now = std::chrono::steady_clock::now();
    Batch live;
    live.reserve(batch.size());
    for (auto& p : batch) {
      if (now - p.since > limits_.max_wait)
        p.done(ApiError::overloaded());
      else
        live.push_back(std::move(p));
    }
    if (live.empty()) {
      std::lock_guard lock(mutex_);
      batch = next_batch();
      continue;
    }
    std::vector<std::string> digests;
    std::vector<std::size_t> slot(live.size());
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < live.size(); ++i) {
      auto [it, fresh] = index.try_emplace(live[i].digest, digests.size());
      if (fresh) digests.push_back(live[i].digest);
      slot[i] = it->second;
    }
    stats_.lookups.fetch_add(live.size());
    stats_.batches.fetch_add(1);
    auto waiting = std::make_shared<Batch>(std::move(live));
    pool_.run<Found>(
        [digests = std::move(digests)](store::DbConn& conn) {
          // Two statements, each its own transaction: neither needs the other's snapshot (in
          // one READ COMMITTED transaction each statement had its own anyway).
          pqxx::nontransaction txn(conn.raw());
          auto visitors = auth::visitors_for_tokens(conn, txn, digests);
          std::vector<std::int64_t> ids;
          for (const auto& v : visitors) {
            if (v) ids.push_back(v->visitor_id);
          }
          auto open = conversation::open_conversations_of(conn, txn, ids);
          Found found(visitors.size());
          for (std::size_t i = 0; i < visitors.size(); ++i) {
            if (!visitors[i]) continue;
            found[i] = VisitorAuth{*visitors[i], std::nullopt};
            if (auto c = open.find(visitors[i]->visitor_id); c != open.end()) found[i]->conversation = c->second;
          }
          return found;
        },
        [self = shared_from_this(), waiting, slot = std::move(slot)](Outcome<Found> result) {
          for (std::size_t i = 0; i < waiting->size(); ++i) {
            auto& p = (*waiting)[i];
            if (result.ok())
              p.done(result.value()[slot[i]]);
            else
              p.done(result.error());
          }
          Batch next;
          {
            std::lock_guard lock(self->mutex_);
            next = self->next_batch();
          }
          self->run(std::move(next));
        });
    return;
  }
}

}  // namespace parley::chat
