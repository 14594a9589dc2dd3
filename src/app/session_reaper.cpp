#include "session_reaper.hpp"

#include "parley/auth/agent_accounts.hpp"

namespace parley::app {

SessionReaper::SessionReaper(store::DbPool& pool, chat::Hub& hub, std::chrono::seconds interval)
    : pool_(pool), hub_(hub), interval_(interval), thread_([this] { run(); }) {}

SessionReaper::~SessionReaper() { stop(); }

void SessionReaper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SessionReaper::run() {
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    check_once();
    lock.lock();
  }
}

void SessionReaper::check_once() {
  std::vector<std::int64_t> connected;
  for (const auto& [id, online] : hub_.connected_agents()) connected.push_back(id);
  if (connected.empty()) return;
  chat::Hub& hub = hub_;
  pool_.run<std::vector<std::int64_t>>(
      [connected](store::DbConn& conn) { return auth::agents_without_session(conn, connected); },
      [&hub](Outcome<std::vector<std::int64_t>> ended) {
        if (!ended.ok()) return;  // the database is away: try again next round
        for (auto id : ended.value()) hub.close_agent(id, 4001, "session ended");
      });
}

}  // namespace parley::app
