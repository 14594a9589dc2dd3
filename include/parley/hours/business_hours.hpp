#pragma once
// The live business hours of this process: the stored schedule, reloaded when any process
// changes it (NOTIFY parley_hours) and checked every second, so visitors hear when the team
// opens or closes; and the expected reply time, recomputed every few minutes.
// Without a stored schedule the team is always open, as before business hours existed.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "parley/hours/schedule.hpp"

namespace parley::hours {

class DbSession;  // the watcher's own connection

class BusinessHours {
 public:
  // `changed` runs on the watcher thread whenever "open now" or the schedule changed.
  BusinessHours(std::string database_url, std::function<void()> changed);
  ~BusinessHours();
  BusinessHours(const BusinessHours&) = delete;
  BusinessHours& operator=(const BusinessHours&) = delete;

  // Loads the schedule once (a failure is logged: always open until it can be read) and
  // starts the watcher.
  void start();
  void stop();

  bool configured() const;
  bool open_now() const;
  State state_now() const;  // {open:true} when not configured
  // For the visitor's `ready` and `presence` frames: null when not configured, else
  // {"open","nextOpening","reply"} (reply: "a few minutes"… while open, or null).
  nlohmann::json visitor_doc() const;
  // The expected reply time in words ("a few minutes"), nullopt without a schedule or data.
  std::optional<std::string> reply_time() const;
  std::shared_ptr<const Schedule> schedule() const;
  // A schedule written by this process, with its reply time: used at once (the NOTIFY
  // reloads it everywhere).
  void set(std::optional<Schedule> schedule, std::optional<std::string> reply_time);

 private:
  void thread_main();
  void reload(DbSession& db);
  void refresh_reply_time(DbSession& db);

  std::string url_;
  std::function<void()> changed_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Schedule> schedule_;
  mutable std::optional<State> cached_;  // valid until its next change (closes_at / next_opening)
  std::optional<std::string> reply_words_;
  std::atomic<bool> reload_wanted_{false};
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::thread thread_;
};

}  // namespace parley::hours
