#include "parley/hours/business_hours.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include "parley/hours/hours_store.hpp"
#include "parley/hours/reply_time.hpp"
#include "parley/hours/schedule_json.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::hours {
namespace {

constexpr auto kReplyTimeEvery = std::chrono::minutes(5);
constexpr auto kReconnectPause = std::chrono::seconds(2);

Instant now_instant() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

class Listener : public pqxx::notification_receiver {
 public:
  Listener(pqxx::connection_base& conn, std::atomic<bool>& flag)
      : pqxx::notification_receiver(conn, kHoursChannel), flag_(flag) {}
  void operator()(const std::string&, int) override { flag_ = true; }

 private:
  std::atomic<bool>& flag_;
};

}  // namespace

class DbSession {
 public:
  explicit DbSession(const std::string& url) : conn(url) {}
  store::DbConn conn;
};

BusinessHours::BusinessHours(std::string database_url, std::function<void()> changed)
    : url_(std::move(database_url)), changed_(std::move(changed)) {}

BusinessHours::~BusinessHours() { stop(); }

void BusinessHours::start() {
  try {
    DbSession db(url_);
    reload(db);
    refresh_reply_time(db);
  } catch (const std::exception& e) {
    spdlog::error("business hours not read ({}): open until they can be", e.what());
  }
  thread_ = std::thread([this] { thread_main(); });
}

void BusinessHours::stop() {
  if (stopping_.exchange(true)) return;
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BusinessHours::configured() const {
  std::lock_guard lock(mutex_);
  return schedule_ != nullptr;
}

State BusinessHours::state_now() const {
  auto now = now_instant();
  std::lock_guard lock(mutex_);
  if (!schedule_) return State{true, std::nullopt, std::nullopt};
  if (cached_) {
    auto until = cached_->open ? cached_->closes_at : cached_->next_opening;
    if (!until || now < *until) return *cached_;
  }
  cached_ = evaluate(*schedule_, now);
  return *cached_;
}

bool BusinessHours::open_now() const { return state_now().open; }

nlohmann::json BusinessHours::visitor_doc() const {
  auto st = state_now();
  std::lock_guard lock(mutex_);
  if (!schedule_) return nullptr;
  nlohmann::json doc = {{"open", st.open}, {"nextOpening", nullptr}, {"reply", nullptr}};
  if (!st.open && st.next_opening) doc["nextOpening"] = iso_utc(*st.next_opening);
  if (st.open && reply_words_) doc["reply"] = *reply_words_;
  return doc;
}

std::optional<std::string> BusinessHours::reply_time() const {
  std::lock_guard lock(mutex_);
  return schedule_ ? reply_words_ : std::nullopt;
}

std::shared_ptr<const Schedule> BusinessHours::schedule() const {
  std::lock_guard lock(mutex_);
  return schedule_;
}

void BusinessHours::set(std::optional<Schedule> schedule, std::optional<std::string> reply_time) {
  {
    std::lock_guard lock(mutex_);
    schedule_ = schedule ? std::make_shared<const Schedule>(std::move(*schedule)) : nullptr;
    reply_words_ = std::move(reply_time);
    cached_.reset();
  }
  reload_wanted_ = true;  // the watcher recomputes the reply time and tells visitors
  stop_cv_.notify_all();
}

void BusinessHours::reload(DbSession& db) {
  pqxx::read_transaction txn(db.conn.raw());
  std::shared_ptr<const Schedule> loaded;
  try {
    if (auto stored = load_schedule(db.conn, txn)) loaded = std::make_shared<const Schedule>(std::move(stored->schedule));
  } catch (const ScheduleError& e) {
    spdlog::error("the stored business hours are not valid ({}): open until they are saved again", e.what());
  }
  std::lock_guard lock(mutex_);
  schedule_ = std::move(loaded);
  cached_.reset();
}

void BusinessHours::refresh_reply_time(DbSession& db) {
  std::shared_ptr<const Schedule> schedule;
  {
    std::lock_guard lock(mutex_);
    schedule = schedule_;
  }
  std::optional<std::string> words;
  if (schedule) {
    pqxx::read_transaction txn(db.conn.raw());
    if (auto median = median_response(*schedule, recent_first_responses(db.conn, txn))) words = reply_words(*median);
  }
  std::lock_guard lock(mutex_);
  reply_words_ = std::move(words);
}

void BusinessHours::thread_main() {
  // What visitors were last told (their `presence` frame carries this document): they hear
  // again only when it changes — the team opens or closes, the schedule or the reply time
  // changes — not on every reconnect of this watcher.
  std::string told = visitor_doc().dump();
  while (!stopping_) {
    try {
      DbSession db(url_);
      Listener listener(db.conn.raw(), reload_wanted_);
      reload(db);  // what changed while we were not listening
      refresh_reply_time(db);
      auto next_reply_time = std::chrono::steady_clock::now() + kReplyTimeEvery;
      for (;;) {
        if (std::string now = visitor_doc().dump(); now != told) {
          told = std::move(now);
          if (changed_) changed_();
        }
        if (stopping_) break;
        db.conn.raw().await_notification(1, 0);  // at most a second: the open/closed check above
        if (reload_wanted_.exchange(false)) {
          reload(db);
          refresh_reply_time(db);
        } else if (std::chrono::steady_clock::now() >= next_reply_time) {
          refresh_reply_time(db);
          next_reply_time = std::chrono::steady_clock::now() + kReplyTimeEvery;
        }
      }
    } catch (const std::exception& e) {
      if (stopping_) break;
      spdlog::warn("business hours: database connection lost ({}); retrying", e.what());
      std::unique_lock lock(stop_mutex_);
      stop_cv_.wait_for(lock, kReconnectPause, [this] { return stopping_.load(); });
    }
  }
}

}  // namespace parley::hours
