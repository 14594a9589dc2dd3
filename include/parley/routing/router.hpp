#pragma once
// Automatic assignment's worker: one thread and one connection per process. It runs when told
// that capacity or work may have appeared — a conversation became assignable, an agent came
// online or back from away, resolved or was unassigned from one, was given more room, or the
// mode was switched on — never on a timer (queued conversations are picked up the moment
// capacity frees). Each run assigns until the queue is empty or nobody online has room; each
// assignment is its own transaction (routing/assignment.hpp), so processes may run at once.
// The away release (optional) is the one timed part: it is about minutes passing.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "parley/conversation/conversations.hpp"

namespace parley::routing {

// "Look again": pulled from any thread (hooks in the message writer, the bot, presence,
// conversation changes, the settings API); cheap and never blocks. Made before the parts that
// pull it, the Router (which waits on it) after them.
class Wakeup {
 public:
  void pull() {
    {
      std::lock_guard lock(mutex_);
      pulled_ = true;
    }
    cv_.notify_one();
  }
  // Waits until pulled (true; the pull is consumed), `timeout` passed or `stop` (false).
  bool wait(std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return pulled_ || stop.load(); });
    bool was = pulled_;
    pulled_ = false;
    return was;
  }
  // After `stop` was set: taking the mutex first, so a waiter between its check and its sleep
  // cannot miss it.
  void interrupt() {
    { std::lock_guard lock(mutex_); }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool pulled_ = true;  // a process's first run looks at what waited while none ran
};

struct RouterStats {
  std::atomic<std::uint64_t> assigned{0};
  std::atomic<std::uint64_t> released{0};
  std::atomic<std::uint64_t> failures{0};
  // Set before start() (the metrics' time-to-assignment histogram).
  std::function<void(double waited_seconds)> on_assigned;
};

class Router {
 public:
  Router(std::string database_url, Wakeup& wakeup, conversation::EventsCommitted& committed,
         conversation::Conversations& conversations);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  void start();
  void stop();
  RouterStats& stats() { return stats_; }

 private:
  void run();
  void run_once();

  const std::string database_url_;
  Wakeup& wakeup_;
  conversation::EventsCommitted& committed_;
  conversation::Conversations& conversations_;
  RouterStats stats_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<store::DbConn> conn_;
  std::thread thread_;
};

}  // namespace parley::routing
