#pragma once
// A few database threads, each with its own connection, fed by one bounded queue.
// Blocking libpqxx calls never run on the I/O threads: callers hand over a unit of work
// and get its Outcome through a callback, which they post back to their own strand.
// A full queue fails fast with 503 instead of letting latency grow without bound.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "parley/core/outcome.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::store {

// Runs `work` with a live connection, mapping database failures to ApiErrors:
// lost connection → 503, unique violation → 409, anything unexpected → 500 (logged).
// On a lost connection `conn` is reset so the next use reconnects.
//
// A connection the server closed while it sat idle (PostgreSQL restarted) is replaced before
// use. When the connection breaks during `work` anyway, the work is run once more on a new
// connection if that is safe: pqxx::broken_connection (not in_doubt_error: a lost COMMIT may
// have committed) before any statement through DbConn::exec completed. Inside a transaction
// nothing can have committed by then; reads outside DbConn::exec are safe to repeat. Writes
// outside a transaction must go through DbConn::exec for this rule to hold (today: the
// cluster's NOTIFY, ephemeral, which at worst is sent twice).
class ConnectionSlot {
 public:
  // `session_setup` runs on every new connection (e.g. SET statements).
  explicit ConnectionSlot(std::string url, std::string session_setup = {})
      : url_(std::move(url)), session_setup_(std::move(session_setup)) {}

  template <class T>
  Outcome<T> run(const std::function<T(DbConn&)>& work) {
    for (bool first_try = true;; first_try = false) {
      try {
        DbConn& conn = connection();
        std::uint64_t done_before = conn.statements_done();
        try {
          return Outcome<T>(work(conn));
        } catch (const pqxx::broken_connection&) {
          if (!first_try || conn.statements_done() != done_before) throw;
        }
        note_retry();
      } catch (...) {
        return Outcome<T>(translate_current_exception());
      }
    }
  }

  DbConn& connection();  // connects if needed; throws ApiError::unavailable
  void reset() { conn_.reset(); }

 private:
  ApiError translate_current_exception();
  void note_retry();  // drops the broken connection

  std::string url_;
  std::string session_setup_;
  std::unique_ptr<DbConn> conn_;
  std::chrono::steady_clock::time_point retry_after_{};
  bool connect_failing_ = false;
};

class DbPool {
 public:
  // `session_setup` runs on each thread's every new connection (ConnectionSlot): settings a
  // pool's work relies on without setting them in each transaction.
  DbPool(std::string url, unsigned threads, std::size_t queue_limit, std::string session_setup = {});
  ~DbPool();
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // `work` runs on a database thread; `done` is called there (or right here, with
  // 503 overloaded, when the queue is full). `done` must be cheap: post, don't compute.
  template <class T>
  void run(std::function<T(DbConn&)> work, std::function<void(Outcome<T>)> done) {
    auto job = [work = std::move(work), done](ConnectionSlot& slot) mutable { done(slot.run<T>(work)); };
    if (!enqueue(std::move(job))) done(Outcome<T>(ApiError::overloaded()));
  }

  // Stops taking work, finishes what is queued, joins the threads.
  void stop();

  std::size_t queue_depth() const;
  std::uint64_t rejected() const { return rejected_.load(); }

 private:
  using Job = std::function<void(ConnectionSlot&)>;
  bool enqueue(Job job);
  void thread_main(std::size_t index);

  std::string url_;
  std::string session_setup_;
  std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> rejected_{0};
  std::vector<std::thread> threads_;
};

}  // namespace parley::store
