#pragma once
// Moves the pending lists of the `message` table's GIN indexes (the inbox search's) into the
// indexes proper, every `interval`, on a connection of its own.
//
// Why: a GIN index gathers new entries in a pending list, and the INSERT that makes the list
// pass gin_pending_list_limit moves the whole list inside its own transaction. On `message`
// that INSERT is the message writer's batch, which holds the event-order lock: every message
// of every conversation waited for the flush (docs/BENCHMARKS.md, "Soak"). Flushed from here
// often enough, the list never reaches its limit in a writer's INSERT, and an INSERT that
// crosses it while this flush runs does not wait for it (PostgreSQL skips the cleanup when
// another is in progress). Autovacuum also empties the lists; this only makes it steady.
#include <chrono>
#include <cstdint>
#include <string>

#include "parley/core/periodic_thread.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::search {

class PendingListFlush {
 public:
  explicit PendingListFlush(std::string url, std::chrono::milliseconds interval = std::chrono::seconds(1));
  void start();
  void stop() { thread_.stop(); }

 private:
  void flush();

  store::ConnectionSlot slot_;
  std::chrono::milliseconds interval_;
  // Set when PostgreSQL refuses the flush for good (the role does not own the indexes, a
  // read-only standby): the writer's INSERTs then flush as before, and this says so once.
  bool refused_ = false;
  bool failing_ = false;
  PeriodicThread thread_;
};

}  // namespace parley::search
