#include "parley/conversation/csat_report.hpp"

#include "parley/core/error.hpp"

namespace parley::conversation {
namespace {

// $1 from, $2 to ('' for the defaults), $3 agent (0: all), $4 limit, $5 offset. The score is
// the share of 4s and 5s among the ratings given in [from, to); a survey counts for every agent
// who replied in its cycle.
const store::Statement kReport{"csat_report", R"SQL(
WITH span AS (
  SELECT coalesce(NULLIF($1, '')::timestamptz, coalesce(NULLIF($2, '')::timestamptz, now()) - interval '30 days') AS f,
         coalesce(NULLIF($2, '')::timestamptz, now()) AS t
), rated AS (
  SELECT s.* FROM csat_survey s, span
  WHERE s.rating IS NOT NULL AND s.rated_at >= span.f AND s.rated_at < span.t
    AND ($3::bigint = 0 OR s.agent_ids @> ARRAY[$3::bigint])
), page AS (
  SELECT * FROM rated ORDER BY rated_at DESC, id DESC LIMIT $4::int + 1 OFFSET $5::int
), per_agent AS (
  SELECT aid, count(*) AS total, count(*) FILTER (WHERE r.rating >= 4) AS good
  FROM rated r, unnest(r.agent_ids) AS aid GROUP BY aid
)
SELECT json_build_object(
  'from', parley_time(span.f), 'to', parley_time(span.t), 'agentId', NULLIF($3::bigint, 0),
  'total', (SELECT count(*) FROM rated),
  'score', (SELECT CASE WHEN count(*) = 0 THEN NULL
                        ELSE round(count(*) FILTER (WHERE rating >= 4)::numeric / count(*), 4) END FROM rated),
  'counts', (SELECT json_object_agg(n, (SELECT count(*) FROM rated WHERE rating = n) ORDER BY n)
             FROM generate_series(1, 5) AS n),
  'asked', (SELECT count(*) FROM csat_survey s WHERE s.asked_at >= span.f AND s.asked_at < span.t
              AND ($3::bigint = 0 OR s.agent_ids @> ARRAY[$3::bigint])),
  'agents', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'total', p.total,
                                                        'score', round(p.good::numeric / p.total, 4))
                                      ORDER BY p.total DESC, a.id), '[]'::json)
             FROM per_agent p JOIN agent a ON a.id = p.aid),
  'ratings', (SELECT coalesce(json_agg(json_build_object(
                'conversationId', p.conversation_id, 'rating', p.rating, 'comment', p.comment,
                'agents', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name) ORDER BY a.id), '[]'::json)
                           FROM agent a WHERE a.id = ANY(p.agent_ids)),
                'via', p.rated_via, 'at', parley_time(p.rated_at)) ORDER BY p.rated_at DESC, p.id DESC), '[]'::json)
              FROM (SELECT * FROM page ORDER BY rated_at DESC, id DESC LIMIT $4::int) p),
  'more', (SELECT count(*) > $4::int FROM page))::text
FROM span)SQL"};

const store::Statement kCounts{"csat_counts", R"SQL(
SELECT count(*),
  count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2), count(*) FILTER (WHERE rating = 3),
  count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5),
  count(*) FILTER (WHERE rating IS NOT NULL AND rated_at > now() - interval '30 days'),
  count(*) FILTER (WHERE rating >= 4 AND rated_at > now() - interval '30 days')
FROM csat_survey)SQL"};

}  // namespace

std::string csat_report(store::DbConn& conn, const CsatReportQuery& query) {
  pqxx::read_transaction txn(conn.raw());
  try {
    return conn.exec(txn, kReport, query.from, query.to, query.agent_id, query.limit, query.offset)[0][0].c_str();
  } catch (const pqxx::data_exception&) {
    throw ApiError::invalid_field("from and to must be ISO-8601 dates or times");
  }
}

CsatCounts csat_counts(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kCounts)[0];
  CsatCounts c;
  c.asked = r[0].as<std::int64_t>();
  for (int i = 0; i < 5; ++i) c.ratings[static_cast<std::size_t>(i)] = r[i + 1].as<std::int64_t>();
  c.rated_30d = r[6].as<std::int64_t>();
  c.good_30d = r[7].as<std::int64_t>();
  return c;
}

}  // namespace parley::conversation
