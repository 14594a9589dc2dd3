#pragma once
// PARLEY_TEXT_SEARCH_CONFIG: which PostgreSQL text-search configuration (english, french,
// simple, a custom one…) stems and filters the words of articles and queries.
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::help {

// Checks `config` against pg_ts_config (std::runtime_error naming the available ones when it
// is missing), then rebuilds the search vectors of the articles built with another
// configuration (the setting changed since they were written). Returns how many were rebuilt.
int prepare_text_search(store::DbConn& conn, const std::string& config);

}  // namespace parley::help
