#pragma once
// Visitor sockets' `auth`, looked up together. After a restart or deploy every open widget
// reconnects at once (19,000 sockets here): one database job per socket filled the pool's
// queue (thousands answered 503 and closed) and wrote each visitor's row once per tab. Like
// the message writer's group commit, one lookup runs at a time and the tokens that arrive
// meanwhile go into the next one: a lone `auth` is looked up at once, a storm in a few dozen
// statements. A token shared by several tabs is looked up once per batch.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "parley/auth/visitor_identity.hpp"
#include "parley/conversation/conversation_store.hpp"
#include "parley/core/outcome.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {

// What `ready` tells a visitor's socket.
struct VisitorAuth {
  auth::VisitorSeen visitor;
  std::optional<conversation::ConversationRef> conversation;
};

class VisitorAuthBatcher : public std::enable_shared_from_this<VisitorAuthBatcher> {
 public:
  struct Limits {
    std::size_t max_batch = 1000;     // tokens per statement
    std::size_t queue_limit = 40000;  // waiting: two processes' worth of sockets; beyond it 503
    // An `auth` that waited longer (the database stuck) is answered 503: the socket closes and
    // the widget reconnects later, rather than waiting without end.
    std::chrono::milliseconds max_wait{30000};
  };
  struct Stats {
    std::atomic<std::uint64_t> lookups{0};  // tokens looked up (every socket's `auth`)
    std::atomic<std::uint64_t> batches{0};  // statements that looked them up
  };
  // nullopt: no visitor has this token. Called on a database thread (or at once when refused):
  // post, don't compute.
  using Done = std::function<void(Outcome<std::optional<VisitorAuth>>)>;

  static std::shared_ptr<VisitorAuthBatcher> create(store::DbPool& pool, Limits limits);
  static std::shared_ptr<VisitorAuthBatcher> create(store::DbPool& pool) { return create(pool, Limits{}); }

  // Thread-safe. `token_digest` is auth::token_digest of the socket's token.
  void submit(std::string token_digest, Done done);

  const Stats& stats() const { return stats_; }

 private:
  VisitorAuthBatcher(store::DbPool& pool, Limits limits) : pool_(pool), limits_(limits) {}

  struct Pending {
    std::string digest;
    Done done;
    std::chrono::steady_clock::time_point since;
  };
  using Batch = std::vector<Pending>;
  using Found = std::vector<std::optional<VisitorAuth>>;  // per distinct digest of a batch

  // Takes the next batch while one is marked in flight; empty when the queue is (then none is).
  Batch next_batch();
  void run(Batch batch);

  store::DbPool& pool_;
  const Limits limits_;
  Stats stats_;
  std::mutex mutex_;
  std::deque<Pending> queue_;
  bool in_flight_ = false;
};

}  // namespace parley::chat
