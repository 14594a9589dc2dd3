#include "parley/help/text_search_config.hpp"

#include <stdexcept>

namespace parley::help {
namespace {

// "name" is looked up on the search path (as ::regconfig would), "schema.name" in its schema.
const store::Statement kFindConfig{"help_find_ts_config", R"SQL(
SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
WHERE CASE WHEN strpos($1, '.') > 0
           THEN n.nspname = split_part($1, '.', 1) AND c.cfgname = split_part($1, '.', 2)
           ELSE c.cfgname = $1 AND pg_ts_config_is_visible(c.oid) END
)SQL"};
const store::Statement kAvailable{"help_ts_configs",
                                  "SELECT string_agg(cfgname, ', ' ORDER BY cfgname) FROM pg_ts_config "
                                  "WHERE pg_ts_config_is_visible(oid)"};
const store::Statement kRebuild{"help_rebuild_vectors", R"SQL(
UPDATE article SET search_config = $1::text,
       search_vector = setweight(to_tsvector($1::text::regconfig, title), 'A') ||
                       setweight(to_tsvector($1::text::regconfig, body_text), 'B')
WHERE search_config <> $1
)SQL"};

}  // namespace

int prepare_text_search(store::DbConn& conn, const std::string& config) {
  pqxx::work txn(conn.raw());
  if (conn.exec(txn, kFindConfig, config).empty()) {
    auto available = conn.exec(txn, kAvailable);
    throw std::runtime_error("PARLEY_TEXT_SEARCH_CONFIG: the database has no text search configuration '" + config +
                             "' (available: " + std::string(available[0][0].c_str()) + ")");
  }
  auto rebuilt = static_cast<int>(conn.exec(txn, kRebuild, config).affected_rows());
  txn.commit();
  return rebuilt;
}

}  // namespace parley::help
