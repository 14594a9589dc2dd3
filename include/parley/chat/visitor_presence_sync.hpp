#pragma once
// Keeps this process's rows of visitor presence (auth/visitor_presence.hpp) in step with the
// hub, so that every process can tell whether a visitor is chatting live anywhere.
//
// A visitor's first tab opening here or last tab closing marks the visitor as changed; one
// write at a time carries every change made since the last (a reconnect storm of thousands of
// tabs is a handful of statements, not one per socket), reading the hub's state when it runs,
// so the last write always leaves the rows as the hub is. Every few seconds the process's row is
// stamped; a failed write or lost rows are repaired by writing all of them at the next stamp.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "parley/chat/hub.hpp"
#include "parley/core/periodic_thread.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {

class VisitorPresenceSync {
 public:
  VisitorPresenceSync(store::DbPool& pool, const Hub& hub, std::string process_id);
  ~VisitorPresenceSync();
  VisitorPresenceSync(const VisitorPresenceSync&) = delete;
  VisitorPresenceSync& operator=(const VisitorPresenceSync&) = delete;

  void start();
  // Stops stamping and deletes this process's rows (queued on the pool, so before pool.stop()).
  void stop();

  // The visitor's first tab opened here or its last one closed (Hub's visitor listener).
  void changed(std::int64_t visitor_id);

  // Of `visitor_ids`, those with a tab open on this process or on another live one; read in
  // `txn`, the transaction that decides on an email.
  std::set<std::int64_t> connected(store::DbConn& conn, pqxx::transaction_base& txn,
                                   const std::vector<std::int64_t>& visitor_ids) const;

 private:
  void write();  // starts a write unless one is running; it carries every change so far

  store::DbPool& pool_;
  const Hub& hub_;
  const std::string process_id_;
  std::mutex mutex_;
  std::set<std::int64_t> changed_;  // since the last write began
  bool rewrite_all_ = true;         // the first write, and after a failure or lost rows
  bool writing_ = false;
  bool stopped_ = false;
  PeriodicThread stamp_;
};

}  // namespace parley::chat
