#pragma once
// Applies the embedded migrations in order, each once, recorded in schema_migrations.
// A session-level advisory lock serialises processes that start at the same moment.
#include <string>

namespace parley::store {

struct MigrationReport {
  int applied = 0;
  int latest_version = 0;
};

MigrationReport migrate(const std::string& database_url);

// The highest version compiled into this binary.
int latest_migration_version();

// The highest version applied to the database (0: none).
class DbConn;
int applied_migration_version(DbConn& conn);

}  // namespace parley::store
