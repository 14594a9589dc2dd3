#include "parley/routing/waits.hpp"

#include "queue_sql.hpp"

namespace parley::routing {
namespace {

// One statement, one snapshot: the queue and both windows agree. Percentiles interpolate
// (percentile_cont), rounded to a tenth of a second; null when nothing was assigned.
const store::Statement kWaits{"routing_waits", R"SQL(
WITH win (name, span) AS (VALUES ('day', interval '24 hours'), ('week', interval '7 days')),
stats AS (
  SELECT w.name, json_build_object(
    'assigned', count(a.assigned_at),
    'automatic', count(a.assigned_at) FILTER (WHERE a.automatic),
    'manual', count(a.assigned_at) FILTER (WHERE NOT a.automatic),
    'medianSeconds', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.waited_seconds)::numeric, 1),
    'p90Seconds', round(percentile_cont(0.9) WITHIN GROUP (ORDER BY a.waited_seconds)::numeric, 1)) AS doc
  FROM win w LEFT JOIN assignment a ON a.waited_seconds IS NOT NULL AND a.assigned_at > now() - w.span
  GROUP BY w.name)
SELECT json_build_object(
  'queue', (SELECT json_build_object('length', count(*), 'oldestWaitingSeconds',
                   coalesce(floor(extract(epoch FROM now() - min(c.waiting_since))), 0))
            FROM conversation c WHERE )SQL" PARLEY_ROUTING_QUEUED("c") R"SQL(),
  'day', (SELECT doc FROM stats WHERE name = 'day'),
  'week', (SELECT doc FROM stats WHERE name = 'week'))::text)SQL"};

}  // namespace

std::string waits_json(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kWaits);
  return r.empty() ? "{}" : r[0][0].c_str();
}

}  // namespace parley::routing
