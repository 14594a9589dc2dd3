#include "parley/routing/router.hpp"

#include <spdlog/spdlog.h>

#include "parley/routing/assignment.hpp"

namespace parley::routing {
namespace {

// Assignments per run before the worker yields to a pull that came meanwhile (it runs again).
constexpr int kAssignmentsPerRun = 500;
constexpr int kReleasesPerRun = 100;
// How often the away release looks (the only timed work); a failed run is retried after this too.
constexpr auto kAwayCheckEvery = std::chrono::seconds(30);
constexpr auto kRetryAfterFailure = std::chrono::seconds(1);

}  // namespace

Router::Router(std::string database_url, Wakeup& wakeup, conversation::EventsCommitted& committed,
               conversation::Conversations& conversations)
    : database_url_(std::move(database_url)), wakeup_(wakeup), committed_(committed), conversations_(conversations) {}

Router::~Router() { stop(); }

void Router::start() { thread_ = std::thread([this] { run(); }); }

void Router::stop() {
  stopping_ = true;
  wakeup_.interrupt();
  if (thread_.joinable()) thread_.join();
}

void Router::run() {
  auto last_away_check = std::chrono::steady_clock::time_point{};
  bool retry = false;
  while (!stopping_) {
    auto timeout = retry ? std::chrono::duration_cast<std::chrono::milliseconds>(kRetryAfterFailure)
                         : std::chrono::duration_cast<std::chrono::milliseconds>(kAwayCheckEvery);
    bool pulled = wakeup_.wait(timeout, stopping_);
    if (stopping_) break;
    auto now = std::chrono::steady_clock::now();
    bool away_due = now - last_away_check >= kAwayCheckEvery;
    if (!pulled && !away_due && !retry) continue;
    try {
      if (!conn_) conn_ = std::make_unique<store::DbConn>(database_url_);
      // Timed (minutes pass with no event), and on every pull: a switch of the setting applies at once.
      if (away_due || pulled) {
        last_away_check = now;
        int released = release_away(*conn_, conversations_, kReleasesPerRun);
        if (released > 0) {
          stats_.released += static_cast<std::uint64_t>(released);
          spdlog::info("routing: {} conversations of agents away too long went back to the queue", released);
        }
      }
      // Only when told (or retrying): queued conversations wait for capacity, not for a timer.
      if (pulled || retry) run_once();
      retry = false;
    } catch (const std::exception& e) {
      // The database went away (or a statement failed): a new connection, and a retry soon —
      // what was queued meanwhile is still in PostgreSQL, nothing is lost.
      ++stats_.failures;
      spdlog::warn("routing: assignment failed ({}); retrying", e.what());
      conn_.reset();
      retry = true;
    }
  }
}

void Router::run_once() {
  for (int i = 0; i < kAssignmentsPerRun && !stopping_; ++i) {
    auto a = assign_next(*conn_, committed_, conversations_);
    if (!a) return;
    ++stats_.assigned;
    if (stats_.on_assigned) stats_.on_assigned(a->waited_seconds);
    spdlog::debug("routing: conversation {} assigned to agent {} after {:.1f} s", a->conversation_id, a->agent_id,
                  a->waited_seconds);
  }
  wakeup_.pull();  // more may be waiting: run again after looking at stop
}

}  // namespace parley::routing
