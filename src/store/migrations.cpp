#include "parley/store/migrations.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "parley/assets/embedded_files.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::store {
namespace {

// Any constant works; it only has to be the same in every Parley process.
constexpr long long kMigrationLockKey = 0x7061726c6579;  // "parley"

int version_of(std::string_view file_name) {
  int v = 0;
  for (char c : file_name) {
    if (c < '0' || c > '9') break;
    v = v * 10 + (c - '0');
  }
  if (v == 0) throw std::runtime_error("migration file name must start with its number: " + std::string(file_name));
  return v;
}

}  // namespace

int latest_migration_version() {
  int latest = 0;
  for (const auto& m : assets::embedded_migrations()) latest = std::max(latest, version_of(m.file_name));
  return latest;
}

MigrationReport migrate(const std::string& database_url) {
  pqxx::connection conn(database_url);
  MigrationReport report;
  {
    pqxx::nontransaction lock(conn);
    lock.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }
  try {
    {
      pqxx::work txn(conn);
      txn.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY, name text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      txn.commit();
    }
    for (const auto& m : assets::embedded_migrations()) {
      int version = version_of(m.file_name);
      report.latest_version = std::max(report.latest_version, version);
      pqxx::work txn(conn);
      if (!txn.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", version).empty()) continue;
      txn.exec(std::string(m.sql));
      txn.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version,
                      std::string(m.file_name));
      txn.commit();
      ++report.applied;
      spdlog::info("applied migration {}", m.file_name);
    }
    if (report.applied > 0) {
      // Statistics for the tables just made or changed (new tables, indexes, rewrites):
      // without them the planner works from guesses until autovacuum gets to them, and the
      // writer's generic plan (forced, cached per connection) would be made from those.
      pqxx::nontransaction analyze(conn);
      analyze.exec("ANALYZE");
      spdlog::info("analyzed the database after {} migration(s)", report.applied);
    }
  } catch (...) {
    pqxx::nontransaction unlock(conn);
    unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    throw;
  }
  pqxx::nontransaction unlock(conn);
  unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  return report;
}

int applied_migration_version(DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  return txn.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
}

}  // namespace parley::store
