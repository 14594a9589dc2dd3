#pragma once
// CSAT reports for agents (GET /api/reports/csat) and the /metrics gauges: reads only.
#include <array>
#include <cstdint>
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::conversation {

struct CsatReportQuery {
  std::string from;           // ISO-8601 date or time; empty: 30 days before `to`
  std::string to;             // empty: now
  std::int64_t agent_id = 0;  // 0: every agent
  int limit = 50;             // ratings listed, newest first
  int offset = 0;
};

// {from, to, agentId, score, total, counts:{"1".."5"}, asked, agents:[{id, name, score, total}],
//  ratings:[{conversationId, rating, comment, agents:[{id, name}], at}], more}.
// Throws ApiError 400 when from/to are not times PostgreSQL reads.
std::string csat_report(store::DbConn& conn, const CsatReportQuery& query);

struct CsatCounts {
  std::int64_t asked = 0;
  std::array<std::int64_t, 5> ratings{};  // answered surveys per rating 1..5
  std::int64_t rated_30d = 0, good_30d = 0;
};
CsatCounts csat_counts(store::DbConn& conn);

}  // namespace parley::conversation
