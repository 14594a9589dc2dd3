#pragma once
// Periodic chores of one process:
// - closes the sockets of agents whose sessions ended outside this process (disabled or
//   password reset by `parley agent`, logged out through another process, expired);
//   logout and password change through this process close them at once;
// - closes visitor sockets that have not sent `auth` 10–20 s after opening;
// - forgets old event_log rows every round (clients that were away catch up from the message
//   table), and the presence rows of stopped processes each minute;
// - forgets failed logins older than a day (login throttling looks back 15 minutes);
// - deletes anonymous visitors who never wrote and were not seen for 30 days (at the first
//   round, then hourly; a round the database refused is retried at the next round).
#include <atomic>
#include <memory>

#include "parley/chat/hub.hpp"
#include "parley/core/periodic_thread.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::app {

class Housekeeping {
 public:
  Housekeeping(store::DbPool& pool, chat::Hub& hub, std::chrono::seconds interval);
  ~Housekeeping();
  void stop();

 private:
  void run_round();
  void close_ended_sessions();
  void prune_event_log(bool with_presence);
  void prune_login_failures();
  void prune_silent_visitors();

  store::DbPool& pool_;
  chat::Hub& hub_;
  int round_ = 0;
  // Shared with the pool's completion callback, which may run after this object is gone.
  std::shared_ptr<std::atomic<bool>> silent_visitor_prune_due_ = std::make_shared<std::atomic<bool>>(true);
  // Where the next event-log prune starts (everything below was deleted by this process).
  std::shared_ptr<std::atomic<std::int64_t>> event_log_pruned_below_ = std::make_shared<std::atomic<std::int64_t>>(0);
  PeriodicThread thread_;
};

}  // namespace parley::app
