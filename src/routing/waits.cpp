#include "parley/routing/waits.hpp"

#include "queue_sql.hpp"

namespace parley::routing {
namespace {

// The waits of the assignments from the queue since `span` ago, as one JSON object. Percentiles
// interpolate (percentile_cont), rounded to a tenth of a second; null when nothing was assigned.
// A literal interval per window (not a joined list of windows): the planner then knows how few
// rows the range holds, and reads them by an index-only scan of assignment_waits.
#define PARLEY_WAITS_SINCE(span)                                                                          \
  "(SELECT json_build_object('assigned', count(*), 'automatic', count(*) FILTER (WHERE a.automatic), "     \
  "'manual', count(*) FILTER (WHERE NOT a.automatic), "                                                   \
  "'medianSeconds', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.waited_seconds)::numeric, 1), "   \
  "'p90Seconds', round(percentile_cont(0.9) WITHIN GROUP (ORDER BY a.waited_seconds)::numeric, 1)) "      \
  "FROM assignment a WHERE a.waited_seconds IS NOT NULL AND a.assigned_at > now() - interval '" span "')"

// One statement, one snapshot: the queue and both windows agree.
const store::Statement kWaits{
    "routing_waits",
    "SELECT json_build_object("
    "'queue', (SELECT json_build_object('length', count(*), 'oldestWaitingSeconds', "
    "  coalesce(floor(extract(epoch FROM now() - min(c.waiting_since))), 0)) "
    "  FROM conversation c WHERE " PARLEY_ROUTING_QUEUED("c") "), "
    "'day', " PARLEY_WAITS_SINCE("24 hours") ", "
    "'week', " PARLEY_WAITS_SINCE("7 days") ")::text"};

#undef PARLEY_WAITS_SINCE

}  // namespace

std::string waits_json(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kWaits);
  return r.empty() ? "{}" : r[0][0].c_str();
}

}  // namespace parley::routing
