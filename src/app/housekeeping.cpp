#include "housekeeping.hpp"

#include "parley/auth/agent_accounts.hpp"

namespace parley::app {
namespace {
// Long enough for any process's feed to have read them, short enough to keep the table small.
// Rows commit in seq order, so the old ones are a prefix: found by walking the primary key
// from the start up to the first recent row (no index on created_at to keep up per message).
const store::Statement kPruneEvents{"event_log_prune", R"SQL(
DELETE FROM event_log WHERE seq < coalesce(
  (SELECT seq FROM event_log WHERE created_at >= now() - interval '10 minutes' ORDER BY seq LIMIT 1),
  (SELECT max(seq) + 1 FROM event_log)))SQL"};
constexpr int kPruneEveryRounds = 6;
// A visitor's widget sends `auth` as soon as its socket opens; one that has not within this
// (closed at the next round after it) is not a widget.
constexpr auto kAuthDeadline = std::chrono::seconds(10);
}  // namespace

Housekeeping::Housekeeping(store::DbPool& pool, chat::Hub& hub, std::chrono::seconds interval)
    : pool_(pool), hub_(hub) {
  thread_.start(interval, [this] { run_round(); });
}

Housekeeping::~Housekeeping() { stop(); }

void Housekeeping::stop() { thread_.stop(); }

void Housekeeping::run_round() {
  ++round_;
  close_ended_sessions();
  hub_.close_unauthenticated(std::chrono::steady_clock::now() - kAuthDeadline, 1008, "authentication timed out");
  if (round_ % kPruneEveryRounds == 0) prune_event_log();
}

void Housekeeping::close_ended_sessions() {
  std::vector<std::int64_t> connected;
  for (const auto& [id, online] : hub_.local_agents()) connected.push_back(id);
  if (connected.empty()) return;
  chat::Hub& hub = hub_;
  pool_.run<std::vector<std::int64_t>>(
      [connected](store::DbConn& conn) { return auth::agents_without_session(conn, connected); },
      [&hub](Outcome<std::vector<std::int64_t>> ended) {
        if (!ended.ok()) return;  // the database is away: try again next round
        for (auto id : ended.value()) hub.close_agent(id, 4001, "session ended");
      });
}

void Housekeeping::prune_event_log() {
  pool_.run<Unit>(
      [](store::DbConn& conn) {
        pqxx::work txn(conn.raw());
        conn.exec(txn, kPruneEvents);
        txn.commit();
        return Unit{};
      },
      [](Outcome<Unit>) {});  // any process may prune; a failed round is retried next time
}

}  // namespace parley::app
