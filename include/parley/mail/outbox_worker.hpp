#pragma once
// Sends what the outbox holds, on its own thread with its own database connection: claims
// due rows (FOR UPDATE SKIP LOCKED, with a lease), renders them once, sends them through
// Resend (or the log, without an API key) and records the outcome. Several processes may
// run one each against the same database.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "parley/config/config.hpp"

namespace parley::mail {

class OutboxWorker {
 public:
  explicit OutboxWorker(const Config& config);
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // Starts sending. `public_origin`: where agents reach Parley (links in support emails).
  // `team_available`: whether an agent is available now, in any process — an email written in
  // the grace after a start ("unless the team returns") is skipped when one is by its due time.
  // Wakes before it are kept: the first round runs at once.
  void start(std::string public_origin, std::function<bool()> team_available = {});
  // Something was enqueued (and committed): look now instead of at the next poll.
  void wake();
  // Ends an in-flight request early (it is retried by the next claim) and joins the thread.
  void stop();

 private:
  struct Impl;
  void thread_main();

  std::unique_ptr<Impl> impl_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace parley::mail
