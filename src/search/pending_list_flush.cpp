#include "parley/search/pending_list_flush.hpp"

#include <spdlog/spdlog.h>

namespace parley::search {
namespace {

// Every valid GIN index of `message`, whatever its name, so that an index a later migration
// adds is flushed too. Returns the pages moved (0 when the lists were empty).
const store::Statement kFlush{"search_pending_list_flush", R"SQL(
SELECT coalesce(sum(gin_clean_pending_list(c.oid)), 0)::bigint
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am a ON a.oid = c.relam
WHERE i.indrelid = 'message'::regclass AND a.amname = 'gin' AND i.indisvalid AND i.indisready
)SQL"};

}  // namespace

PendingListFlush::PendingListFlush(std::string url, std::chrono::milliseconds interval)
    : slot_(std::move(url)), interval_(interval) {}

void PendingListFlush::start() {
  thread_.start(interval_, [this] { flush(); });
}

void PendingListFlush::flush() {
  if (refused_) return;
  struct Flushed {
    std::string sqlstate, error;  // empty when flushed
  };
  auto r = slot_.run<Flushed>([](store::DbConn& conn) {
    try {
      // One statement: no BEGIN/COMMIT round trips around it.
      pqxx::nontransaction txn(conn.raw());
      conn.exec(txn, kFlush);
      return Flushed{};
    } catch (const pqxx::sql_error& e) {
      return Flushed{e.sqlstate(), e.what()};  // said here, not as an internal error every second
    }
  });
  const std::string& sqlstate = r.ok() ? r.value().sqlstate : std::string();
  if (r.ok() && sqlstate.empty()) {
    if (failing_) spdlog::info("message search index: flushing its pending lists again");
    failing_ = false;
    return;
  }
  const std::string why = r.ok() ? r.value().error : r.error().what();
  // Refused for good: not the indexes' owner (42501), a read-only transaction (25006), a
  // standby in recovery (55000).
  if (sqlstate == "42501" || sqlstate == "25006" || sqlstate == "55000") {
    refused_ = true;
    spdlog::warn("message search index: cannot flush its pending lists ({}); the message writer's inserts will, "
                 "as PostgreSQL does by default",
                 why);
  } else if (!failing_) {
    failing_ = true;  // the database is away: said once, retried every interval
    spdlog::warn("message search index: flushing its pending lists failed ({}); retrying", why);
  }
}

}  // namespace parley::search
