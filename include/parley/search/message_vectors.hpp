#pragma once
// The stored search vectors of messages (migration 0013): which text-search configuration new
// messages are indexed with, and the rebuild of the older ones in the background.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "parley/core/periodic_thread.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::search {

// At start, before messages are written: records `config` (PARLEY_TEXT_SEARCH_CONFIG, already
// checked against pg_ts_config) as the configuration new messages are indexed with. When it
// differs from the recorded one — or on the first start after the migration, when older rows
// have no vector — the rows written before are marked for the rebuild. Returns how many
// message ids are left to rebuild (0 when none).
std::int64_t prepare_message_vectors(store::DbConn& conn, const std::string& config);

// Rebuilds the marked rows newest first, `batch` rows a transaction every `interval`, on its
// own connection, so that a large history is indexed without holding locks or a core for long
// (the writer and the inbox go on meanwhile; a message is searchable once its batch commits).
class MessageVectorRebuild {
 public:
  MessageVectorRebuild(std::string url, int batch = 2000,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  void start();
  void stop() { thread_.stop(); }

 private:
  void step();

  store::ConnectionSlot slot_;
  int batch_;
  std::chrono::milliseconds interval_;
  bool done_ = false;
  std::int64_t rebuilt_ = 0;
  PeriodicThread thread_;
};

}  // namespace parley::search
