#include "parley/chat/visitor_presence_sync.hpp"

#include <spdlog/spdlog.h>

#include "parley/auth/visitor_presence.hpp"

namespace parley::chat {
namespace {
// Other processes count this one's visitors for 20 s after its last stamp (auth/visitor_presence.cpp).
constexpr auto kStampEvery = std::chrono::seconds(5);
}  // namespace

VisitorPresenceSync::VisitorPresenceSync(store::DbPool& pool, const Hub& hub, std::string process_id)
    : pool_(pool), hub_(hub), process_id_(std::move(process_id)) {}

VisitorPresenceSync::~VisitorPresenceSync() { stop(); }

void VisitorPresenceSync::start() {
  write();
  stamp_.start(kStampEvery, [this] { write(); });
}

void VisitorPresenceSync::stop() {
  stamp_.stop();
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  pool_.run<Unit>(
      [id = process_id_](store::DbConn& conn) {
        auth::forget_process(conn, id);
        return Unit{};
      },
      [](Outcome<Unit>) {});  // if the database is away, the rows expire in 20 s anyway
}

void VisitorPresenceSync::changed(std::int64_t visitor_id) {
  {
    std::lock_guard lock(mutex_);
    changed_.insert(visitor_id);
  }
  write();
}

void VisitorPresenceSync::write() {
  std::set<std::int64_t> batch;
  bool all = false;
  {
    std::lock_guard lock(mutex_);
    if (writing_ || stopped_) return;  // the running write starts the next when it ends
    writing_ = true;
    batch.swap(changed_);
    all = rewrite_all_;
    rewrite_all_ = false;
  }
  pool_.run<bool>(
      [this, batch, all](store::DbConn& conn) {
        // The hub's state as of now: a visitor that came and went since counts as gone.
        std::vector<std::int64_t> arrived, left;
        if (all) {
          arrived = hub_.visitor_ids();
        } else {
          for (auto id : batch) (hub_.visitor_connected(id) ? arrived : left).push_back(id);
        }
        return auth::store_visitor_presence(conn, process_id_, arrived, left, all);
      },
      [this, all](Outcome<bool> stored) {
        bool again = false;
        {
          std::lock_guard lock(mutex_);
          writing_ = false;
          if (!stored.ok()) {
            // The next stamp writes everything (the changes are part of it).
            rewrite_all_ = true;
            spdlog::debug("visitor presence not stored ({}); rewritten at the next stamp", stored.error().what());
          } else {
            // Our row was missing: PostgreSQL lost the unlogged tables, or housekeeping took
            // this process for stopped. Write everything now.
            if (!stored.value() && !all) rewrite_all_ = true;
            again = !changed_.empty() || rewrite_all_;
          }
        }
        if (again) write();
      });
}

std::set<std::int64_t> VisitorPresenceSync::connected(store::DbConn& conn, pqxx::transaction_base& txn,
                                                      const std::vector<std::int64_t>& visitor_ids) const {
  std::set<std::int64_t> out;
  std::vector<std::int64_t> not_here;
  for (auto id : visitor_ids) {
    if (hub_.visitor_connected(id)) {
      out.insert(id);
    } else {
      not_here.push_back(id);
    }
  }
  // Only a visitor not connected here costs a statement (the common case of a live chat costs none).
  auto elsewhere = auth::visitors_connected_elsewhere(conn, txn, process_id_, not_here);
  out.insert(elsewhere.begin(), elsewhere.end());
  return out;
}

}  // namespace parley::chat
