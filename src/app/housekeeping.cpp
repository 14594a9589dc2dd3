#include "housekeeping.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "parley/auth/agent_accounts.hpp"
#include "parley/auth/agent_presence.hpp"
#include "parley/auth/login_attempts.hpp"
#include "parley/auth/visitor_presence.hpp"
#include "parley/auth/visitor_identity.hpp"
#include "parley/conversation/event_writer.hpp"
#include "parley/link/close_reasons.hpp"

namespace parley::app {
namespace {
constexpr int kPruneEveryRounds = 6;  // each minute at the 10 s interval
// The event log is pruned every round: ten seconds of rows at a time (~1,000 at 5,000 msg/s)
// instead of a minute's in one DELETE, which took 90–180 ms of the core the writer shares
// with PostgreSQL (docs/BENCHMARKS.md, "Soak"). A round is logged at info each minute, or
// when it took this long; otherwise at debug.
constexpr double kSlowPruneMs = 50;
constexpr int kVisitorPruneEveryRounds = 360;  // hourly at the 10 s interval
constexpr int kSilentVisitorDays = 30;
// Login throttling looks 15 minutes back; a day of failed logins is kept for operators.
constexpr int kLoginFailureHours = 24;
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
  hub_.close_unauthenticated(std::chrono::steady_clock::now() - kAuthDeadline, 1008, std::string(link::kAuthTimedOut));
  prune_event_log(round_ % kPruneEveryRounds == 0);
  if (round_ % kPruneEveryRounds == 0) prune_login_failures();
  if (round_ % kVisitorPruneEveryRounds == 0) silent_visitor_prune_due_->store(true);
  if (silent_visitor_prune_due_->exchange(false)) prune_silent_visitors();
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

void Housekeeping::prune_event_log(bool with_presence) {
  struct Pruned {
    std::int64_t events = 0, presence = 0, processes = 0;
    double ms = 0;
  };
  pool_.run<Pruned>(
      [with_presence, pruned_below = event_log_pruned_below_](store::DbConn& conn) {
        auto started = std::chrono::steady_clock::now();
        Pruned p;
        auto events = conversation::prune_event_log(conn, pruned_below->load());
        pruned_below->store(events.next_from);  // rounds do not overlap: one every 10 s, each done in ms
        p.events = events.deleted;
        if (with_presence) {
          p.presence = auth::prune_presence(conn);  // rows of processes that stopped (automatic assignment)
          p.processes = auth::prune_stopped_processes(conn);  // and their visitors (reply emails)
        }
        p.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        return p;
      },
      [with_presence](Outcome<Pruned> pruned) {
        // With its duration: a stall of delivery can be matched to it (bench/soak puts it on
        // the latency timeline).
        if (pruned.ok()) {
          auto level = with_presence || pruned.value().ms >= kSlowPruneMs ? spdlog::level::info : spdlog::level::debug;
          spdlog::log(level, "housekeeping: pruned {} event_log rows, {} presence rows, {} stopped processes in {:.1f} ms",
                       pruned.value().events, pruned.value().presence, pruned.value().processes, pruned.value().ms);
        } else {
          // Any process may prune; a failed round is retried next time.
          spdlog::warn("housekeeping: pruning the event log failed ({}); retrying next round", pruned.error().what());
        }
      });
}

void Housekeeping::prune_login_failures() {
  pool_.run<std::int64_t>([](store::DbConn& conn) { return auth::prune_login_failures(conn, kLoginFailureHours); },
                          [](Outcome<std::int64_t>) {});  // any process may prune; retried next time
}

void Housekeeping::prune_silent_visitors() {
  pool_.run<std::int64_t>([](store::DbConn& conn) { return auth::prune_silent_visitors(conn, kSilentVisitorDays); },
                          [due = silent_visitor_prune_due_](Outcome<std::int64_t> pruned) {
                            if (!pruned.ok()) {
                              // Not an hour's wait for a database that was away for a moment.
                              spdlog::warn("housekeeping: deleting silent anonymous visitors failed ({}); retrying next round",
                                           pruned.error().what());
                              due->store(true);
                            } else if (pruned.value() > 0) {
                              spdlog::info("housekeeping: deleted {} anonymous visitors who never wrote", pruned.value());
                            }
                          });
}

}  // namespace parley::app
