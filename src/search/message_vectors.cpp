#include "parley/search/message_vectors.hpp"

#include <spdlog/spdlog.h>

namespace parley::search {
namespace {

// A new configuration applies from the next message on; every row before it is rebuilt. The
// margin covers a message another process inserts while this commits (its trigger may still
// read the old configuration): rebuilding ids that do not exist yet costs nothing.
const store::Statement kRecordConfig{"search_record_config", R"SQL(
UPDATE message_search
SET config = $1, rebuild_below = CASE WHEN EXISTS (SELECT 1 FROM message)
                                      THEN (SELECT max(id) FROM message) + 10000 END
WHERE config IS DISTINCT FROM $1
)SQL"};
const store::Statement kLeft{"search_rebuild_left",
                             "SELECT coalesce(rebuild_below - (SELECT coalesce(min(id), 0) FROM message), 0) "
                             "FROM message_search"};

// One batch: the rows just below the mark get vectors of the recorded configuration, and the
// mark moves down (NULL once it passes the oldest message). The row lock on message_search
// keeps two processes from rebuilding the same rows; the trigger's read of it is not blocked.
const store::Statement kRebuildBatch{"search_rebuild_batch", R"SQL(
WITH s AS (
  SELECT config, rebuild_below FROM message_search WHERE rebuild_below IS NOT NULL FOR UPDATE
), rebuilt AS (
  UPDATE message m SET search_vector = to_tsvector(s.config::regconfig, m.body)
  FROM s WHERE m.id >= s.rebuild_below - $1 AND m.id < s.rebuild_below
  RETURNING 1
)
UPDATE message_search ms
SET rebuild_below = CASE WHEN s.rebuild_below - $1 <= (SELECT coalesce(min(id), 0) FROM message) THEN NULL
                         ELSE s.rebuild_below - $1 END
FROM s
RETURNING ms.rebuild_below IS NULL AS finished, (SELECT count(*) FROM rebuilt) AS rows
)SQL"};

}  // namespace

std::int64_t prepare_message_vectors(store::DbConn& conn, const std::string& config) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kRecordConfig, config);
  auto left = conn.exec(txn, kLeft)[0][0].as<std::int64_t>();
  txn.commit();
  return left;
}

MessageVectorRebuild::MessageVectorRebuild(std::string url, int batch, std::chrono::milliseconds interval)
    : slot_(std::move(url)), batch_(batch), interval_(interval) {}

void MessageVectorRebuild::start() {
  thread_.start(interval_, [this] { step(); });
}

void MessageVectorRebuild::step() {
  if (done_) return;
  auto r = slot_.run<bool>([this](store::DbConn& conn) {
    pqxx::work txn(conn.raw());
    pqxx::result res = conn.exec(txn, kRebuildBatch, batch_);
    txn.commit();
    if (res.empty()) return true;  // nothing marked (another process finished it)
    rebuilt_ += res[0][1].as<std::int64_t>();
    return res[0][0].as<bool>();
  });
  if (!r.ok()) {
    spdlog::warn("message search vectors: rebuild step failed ({}); retrying", r.error().what());
    return;
  }
  if (r.value()) {
    done_ = true;
    if (rebuilt_ > 0) spdlog::info("message search vectors: rebuilt {} messages", rebuilt_);
  }
}

}  // namespace parley::search
