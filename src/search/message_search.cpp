#include "parley/search/message_search.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "parley/core/error.hpp"
#include "parley/help/article_search.hpp"
#include "parley/search/search_phrases.hpp"

namespace parley::search {
namespace {

// For this transaction only: the statement timeout; no NOTICE for a query of stop words; the
// word-similarity threshold of `<%` (0.5: "margeret" finds "margaret", see the help search);
// and a plan made for each query's own words. A generic plan cannot choose between walking the
// messages newest first and stopping at the 21st match (right for a word in 1 % of messages)
// and reading the word's GIN posting list then sorting (right for a rare word): that choice
// rests on the word's frequency in the statistics, known only with the word in hand.
const store::Statement kSettings{"search_settings",
                                 "SELECT set_config('statement_timeout', $1, true), "
                                 "set_config('client_min_messages', 'warning', true), "
                                 "set_config('pg_trgm.word_similarity_threshold', '0.5', true), "
                                 "set_config('plan_cache_mode', 'force_custom_plan', true)"};

// The conditions on a message, shared by the two ways of reading them below. $1 configuration, $2 query
// (websearch syntax), $4 message cursor ('' = start), $5 statuses ('' = any, else
// '{OPEN,ASSIGNED}'), $6 assignee ('' = any), $7 unassigned only, $8 first day, $9 last day
// (UTC, inclusive; '' = unbounded), $10 no conversation filter, $16 label id ('' = any), $17 the
// quoted phrases every match holds (required_phrases, one a line; '' = none).
//
// A quoted phrase adds its pairs of neighbouring words: message_word_pairs(search_vector) @@
// 'reset password', read from the pairs' own index (migration 0028) — the words index knows
// both words are there, not that they are neighbours, and walking or rechecking for them took
// seconds on 10 million messages (docs/BENCHMARKS.md#inbox-search). The phrase itself is still
// checked on search_vector, by the operator's function, which no index serves: otherwise the
// planner ANDs the words' index into the pairs' (reading the posting lists of both words, 44 ms
// for "account email", to save a few heap rows). With no pair (no phrase, an excluded one, a
// stop word between) the condition folds away in the custom plan.
const char* const kMessageMatches = R"SQL(
      CASE WHEN message_phrase_pairs($1::regconfig, NULLIF($17::text, '')) IS NULL
           THEN m.search_vector @@ websearch_to_tsquery($1::regconfig, $2)
           ELSE ts_match_vq(m.search_vector, websearch_to_tsquery($1::regconfig, $2))
                AND message_word_pairs(m.search_vector) @@ message_phrase_pairs($1::regconfig, NULLIF($17::text, ''))
      END
  AND m.id < coalesce(NULLIF($4::text, '')::bigint, 9223372036854775807)
  AND (NULLIF($8::text, '') IS NULL OR m.created_at >= NULLIF($8::text, '')::date::timestamptz)
  AND (NULLIF($9::text, '') IS NULL OR m.created_at < (NULLIF($9::text, '')::date + 1)::timestamptz)
  AND ($10 OR EXISTS (
    SELECT 1 FROM conversation c WHERE c.id = m.conversation_id
      AND (NULLIF($5::text, '') IS NULL OR c.status = ANY (NULLIF($5::text, '')::conversation_status[]))
      AND (NULLIF($6::text, '') IS NULL OR c.assigned_agent_id = NULLIF($6::text, '')::bigint)
      AND (NOT $7 OR c.assigned_agent_id IS NULL)
      AND (NULLIF($16::text, '') IS NULL OR EXISTS (
        SELECT 1 FROM conversation_label cl WHERE cl.conversation_id = c.id AND cl.label_id = NULLIF($16::text, '')::bigint))))
)SQL";

// $1–$10, $16, $17 as above; $3 limit + 1, $11 conversation id ('' = none), $12 visitor words
// ('' = none), $13 their LIKE pattern, $14/$15 conversation cursor (µs, id; '' = start).
//
// The predicates that are constant for a query ($5 IS NULL …) fold away in its custom plan.
// Messages are ordered by id (ids grow with time, and the primary key walks backwards for
// free); a conversation filter is an EXISTS so that without one no join is planned at all.
//
// Two ways to the newest matches, and the statement runs one (the other's one-time filter is
// false, so it is never started): walking the primary key newest first until the page is full,
// or reading the index (the words' or the pairs') and sorting the matches by id. The walk
// wins for a word in many messages and costs a pass over the whole table for one in none of
// the newest; the index costs what the word's messages cost to read. The planner chose from
// its cost model, and for words it estimated at 0.04–0.09 % (rare words, codes that occur once)
// it walked — 100 ms past the 400,000 newest messages on the history, seconds had the word been
// older. Here the choice is a rule on the planner's own estimate (message_search_share,
// migration 0032): walk only for matches estimated above 1 in 200 messages, which is also the
// most PostgreSQL ever assumes for a word it does not track — so an unknown word is never
// walked for, whatever the statistics' target (docs/BENCHMARKS.md#inbox-search).
const std::string kSearchSql = std::string(R"SQL(
WITH gate AS MATERIALIZED (
  SELECT message_search_share(websearch_to_tsquery($1::regconfig, $2),
                              message_phrase_pairs($1::regconfig, NULLIF($17::text, ''))) > 0.005 AS walk
), msg AS (
  (SELECT m.id, m.conversation_id, m.created_at AS at
   FROM message m
   WHERE (SELECT walk FROM gate) AND )SQL") + kMessageMatches + R"SQL(
   ORDER BY m.id DESC
   LIMIT $3)
  UNION ALL
  -- id + 0: the same order, which the primary key cannot give, so the planner reads an index.
  (SELECT m.id, m.conversation_id, m.created_at AS at
   FROM message m
   WHERE NOT (SELECT walk FROM gate) AND )SQL" + kMessageMatches + R"SQL(
   ORDER BY m.id + 0 DESC
   LIMIT $3)
), like_visitors AS MATERIALIZED (
  -- Visitors first, through the trigram index, then their conversations through
  -- conversation_by_visitor (the planner cannot estimate these operators, and a guess of
  -- "many" would have it read every conversation in activity order instead). Names, emails or
  -- user ids holding the words as typed; at most 500 ("son" is in every Johnson): a search
  -- costs a few milliseconds whatever it is.
  SELECT v.id FROM visitor v
  WHERE $12 <> '' AND visitor_search_text(v.name, v.email, v.user_id) LIKE $13
  LIMIT 500
), fuzzy_visitors AS MATERIALIZED (
  -- Similar spellings ("Margeret"), only when few hold the words as typed: "card" resembles
  -- 5,000 of a million generated names ("Carter", "Ricardo"), which cost 1.6 s to fetch, so at
  -- most 100; always through the trigram index (migration 0033: the planner would otherwise
  -- read the visitors one by one until 100 resembled the words).
  SELECT id FROM similar_visitors($12, 100) AS s(id)
  WHERE $12 <> '' AND (SELECT count(*) FROM like_visitors) < 20
), matching_visitors AS (
  SELECT id FROM like_visitors UNION SELECT id FROM fuzzy_visitors
), conv_ids AS (
  SELECT id FROM conversation WHERE id = NULLIF($11::text, '')::bigint
  UNION
  SELECT c.id FROM matching_visitors mv JOIN conversation c ON c.visitor_id = mv.id
), conv AS (
  SELECT c.id, c.updated_at AS at
  FROM conversation c
  WHERE c.id IN (SELECT id FROM conv_ids)
    AND (NULLIF($14::text, '') IS NULL
         OR (c.updated_at, c.id) < ('epoch'::timestamptz + NULLIF($14::text, '')::bigint * interval '1 microsecond', NULLIF($15::text, '')::bigint))
    AND (NULLIF($5::text, '') IS NULL OR c.status = ANY (NULLIF($5::text, '')::conversation_status[]))
    AND (NULLIF($6::text, '') IS NULL OR c.assigned_agent_id = NULLIF($6::text, '')::bigint)
    AND (NOT $7 OR c.assigned_agent_id IS NULL)
    AND (NULLIF($16::text, '') IS NULL OR EXISTS (
      SELECT 1 FROM conversation_label cl WHERE cl.conversation_id = c.id AND cl.label_id = NULLIF($16::text, '')::bigint))
    AND (NULLIF($8::text, '') IS NULL OR c.updated_at >= NULLIF($8::text, '')::date::timestamptz)
    AND (NULLIF($9::text, '') IS NULL OR c.updated_at < (NULLIF($9::text, '')::date + 1)::timestamptz)
  ORDER BY c.updated_at DESC, c.id DESC
  LIMIT $3
), hits AS (
  SELECT true AS is_message, id, conversation_id, at FROM msg
  UNION ALL
  SELECT false, id, id, at FROM conv
  ORDER BY at DESC, is_message DESC, id DESC
  LIMIT $3
)
SELECT h.is_message, h.id, (extract(epoch FROM h.at) * 1000000)::bigint AS at_us, cd.doc::text,
       m.sender, parley_time(m.created_at),
       CASE WHEN h.is_message THEN
         ts_headline($1::regconfig, left(m.body, 2000), websearch_to_tsquery($1::regconfig, $2),
                     'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=10, ShortWord=2')
       END
FROM hits h
JOIN conversation_doc cd ON cd.id = h.conversation_id
LEFT JOIN message m ON h.is_message AND m.id = h.id
ORDER BY h.at DESC, h.is_message DESC, h.id DESC
)SQL";
const store::Statement kSearch{"inbox_search", kSearchSql.c_str()};

std::optional<std::int64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::string opt(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string(); }

// `LIKE` pattern for the words as typed: % and _ are the user's characters, not wildcards.
std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

}  // namespace

std::string SearchCursor::encode() const {
  // Appended piece by piece: gcc 12 at -O3 reports a false -Wstringop-overflow for
  // "literal" + std::to_string(…) here (the packager's Release build).
  std::string out;
  if (message_below) out.append("m").append(std::to_string(*message_below));
  if (conversation_at_us && conversation_id) {
    if (!out.empty()) out += '.';
    out.append("c").append(std::to_string(*conversation_at_us)).append(".").append(std::to_string(*conversation_id));
  }
  return out;
}

std::optional<SearchCursor> SearchCursor::decode(const std::string& text) {
  SearchCursor c;
  std::string_view s = text;
  if (s.empty() || s.size() > 80) return std::nullopt;
  if (s.front() == 'm') {
    auto dot = s.find('.');
    auto id = parse_id(s.substr(1, dot == std::string_view::npos ? std::string_view::npos : dot - 1));
    if (!id) return std::nullopt;
    c.message_below = id;
    if (dot == std::string_view::npos) return c;
    s = s.substr(dot + 1);
    if (s.empty()) return std::nullopt;
  }
  if (!s.empty()) {
    if (s.front() != 'c') return std::nullopt;
    auto dot = s.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto at = parse_id(s.substr(1, dot - 1));
    auto id = parse_id(s.substr(dot + 1));
    if (!at || !id) return std::nullopt;
    c.conversation_at_us = at;
    c.conversation_id = id;
  }
  return c;
}

VisitorTerms visitor_terms(const std::string& q) {
  VisitorTerms t;
  std::string_view digits = q;
  if (!digits.empty() && digits.front() == '#') digits.remove_prefix(1);
  t.conversation_id = parse_id(digits);
  std::string words = help::split_query(q).similar_text;
  std::transform(words.begin(), words.end(), words.begin(),
                 [](unsigned char c) { return c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c); });
  // pg_trgm takes trigrams from runs of letters and digits: a query without a run of three
  // ("ab", "%%%", "a.b") has none, could not use the index and would read every visitor.
  std::size_t run = 0, longest = 0;
  for (unsigned char c : words) {
    run = (std::isalnum(c) || c >= 0x80) ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (longest >= 3 && !t.conversation_id) t.text = std::move(words);
  return t;
}

SearchPage MessageSearch::run(store::DbConn& conn, const SearchRequest& req) const {
  const SearchFilters& f = req.filters;
  std::string statuses;
  for (const auto& s : f.statuses) statuses += (statuses.empty() ? "{" : ",") + s;
  if (!statuses.empty()) statuses += "}";
  bool no_conversation_filter = statuses.empty() && !f.assignee && !f.unassigned && !f.label;
  VisitorTerms terms = visitor_terms(req.q);
  int fetch = req.limit + 1;

  pqxx::read_transaction txn(conn.raw());
  conn.exec(txn, kSettings, std::to_string(timeout_.count()));
  pqxx::result rows;
  try {
    rows = conn.exec(txn, kSearch, config_, req.q, fetch, opt(req.cursor.message_below), statuses,
                     opt(f.assignee), f.unassigned, f.from_day, f.to_day, no_conversation_filter,
                     opt(terms.conversation_id), terms.text, like_pattern(terms.text),
                     opt(req.cursor.conversation_at_us), opt(req.cursor.conversation_id), opt(f.label),
                     required_phrases(req.q));
  } catch (const pqxx::sql_error& e) {
    // 57014: cancelled by statement_timeout (libpqxx 6.4 has no class of its own for it).
    if (e.sqlstate() == "57014") {
      throw ApiError(503, "search_timeout", "The search took too long; try more specific words or a filter");
    }
    throw;
  }
  SearchPage page;
  SearchCursor next = req.cursor;
  int taken = 0;
  for (const auto& r : rows) {
    if (taken == req.limit) {
      page.next = next;
      break;
    }
    ++taken;
    SearchHit h;
    h.message = r[0].as<bool>();
    h.id = r[1].as<std::int64_t>();
    h.conversation_doc = r[3].c_str();
    if (h.message) {
      h.sender = r[4].c_str();
      h.created_at = r[5].c_str();
      h.snippet = r[6].c_str();
      next.message_below = h.id;
    } else {
      next.conversation_at_us = r[2].as<std::int64_t>();
      next.conversation_id = h.id;
    }
    page.hits.push_back(std::move(h));
  }
  return page;
}

}  // namespace parley::search
