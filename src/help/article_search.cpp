#include "parley/help/article_search.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>

#include "parley/core/error.hpp"
#include "parley/help/markdown.hpp"

namespace parley::help {
namespace {

// For this transaction only: the statement timeout; no NOTICE for a query of stop words
// ("how do I"); the similarity above which `%` offers a corpus word as the correction of a
// typed one (pg_trgm's default, 0.3: "rset" → "reset" is 0.38; the best candidate wins); and
// the prepared statements' generic plan, which fits every query (the words only reach
// functions and the indexes' conditions) and saves planning them again each time (~1 ms, more
// than running them).
// The second statement (below) gets what is left of the search's time, not a timeout of its own.
const store::Statement kTimeLeft{"help_search_time_left", "SELECT set_config('statement_timeout', $1, true)"};
// The help search's own connections (answer_on_search_connection) set these for the session
// instead (ArticleSearch::session_setup); only a slow first statement changes the session's
// timeout, to what the search has left, and back.
const store::Statement kSessionTimeout{"help_search_session_timeout", "SELECT set_config('statement_timeout', $1, false)"};
// The search's settings besides its timeout, written once: X(name, value) for each. The bot's
// searches set them for their transaction (kSettings), the help search's own connections for
// their session (session_setup).
#define PARLEY_HELP_SEARCH_SETTINGS(X)               \
  X("client_min_messages", "warning")                \
  X("pg_trgm.similarity_threshold", "0.3")           \
  X("plan_cache_mode", "force_generic_plan")
#define PARLEY_SET_FOR_TRANSACTION(name, value) ", set_config('" name "', '" value "', true)"
#define PARLEY_SET_FOR_SESSION(name, value) "; SET " name " = '" value "'"
const store::Statement kSettings{
    "help_search_settings",
    "SELECT set_config('statement_timeout', $1, true)" PARLEY_HELP_SEARCH_SETTINGS(PARLEY_SET_FOR_TRANSACTION)};

// The answer's columns, shared by both tiers' statements (`top`: the ranked ids, `q`: the query
// and its words): a snippet from 320 characters around the first match, not the whole body, for
// ts_headline. Joined once, at start, to each statement's own part.
const std::string kAnswerColumns = R"SQL(
SELECT a.id, a.slug, a.title, a.collection, top.score,
       ts_headline($1::regconfig, substr(a.body_text, w.start, 320), q.query,
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=35, MinWords=15')
FROM top JOIN article a USING (id), q,
     LATERAL (SELECT min(nullif(strpos(lower(left(a.body_text, 10000)), left(x, greatest(3, length(x) - 1))), 0)) - 20 AS at
              FROM unnest(q.words) x) found,
     LATERAL (SELECT CASE WHEN found.at > 1 THEN found.at + strpos(substr(a.body_text, found.at, 30), ' ') ELSE 1 END AS start) w
ORDER BY top.score DESC, a.id
)SQL";

// The full-text tier, first: $1 configuration, $2 the question, $3 the limit, $4 its words
// (quotes and -exclusions removed). The articles whose vector matches
// websearch_to_tsquery (at most 50 of them: fetching and ranking cost ~10 µs an article, so a
// query of words in most articles — "settings" — ranks the first 50 found rather than taking
// 100 ms; a help center's real questions match far fewer, and past 50 the ranking was of the
// first found anyway — 100 until 2026-12-07, ~9 % of the CPU of a search), scored by ts_rank_cd with weights
// D 0.1, C 0.2, B 0.4 (body), A 1.0 (title), normalised to rank / (rank + 1) (flag 32).
// Snippets: ts_headline over 320 characters of the body's plain text — room for the 35 words
// a snippet shows at most — from the word before the first place the question's words appear
// (a stem found as a prefix, its last letter dropped: "polici" finds "policy"; in the first
// 10,000 characters, lower-cased), or from the beginning when they appear nowhere (the title
// matched): ts_headline parses and stems every word it is given (~0.15 ms for 3,000
// characters). Inline rather than a function: a SQL function with FROM was parsed and
// planned again in every search, a PL/pgSQL one cost as much as the headline. The best
// passage, the matches between \x02 and \x03, escaped and marked up in C++ (snippet_html).
const std::string kSearchSql = R"SQL(
WITH q AS (
  SELECT websearch_to_tsquery($1::regconfig, $2) AS query,
         tsvector_to_array(to_tsvector($1::regconfig, $4)) AS words
), matches AS (
  SELECT a.id, a.search_vector FROM article a, q
  WHERE a.status = 'published' AND a.search_vector @@ q.query
  LIMIT 50
), top AS (
  SELECT id, score FROM (
    SELECT m.id, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', m.search_vector, q.query, 32) AS score FROM matches m, q
  ) hits WHERE score > 0 ORDER BY score DESC, id LIMIT $3
)
)SQL" + kAnswerColumns;
const store::Statement kSearch{"help_search", kSearchSql.c_str()};

// Only when the full-text tier found nothing: $1 configuration, $2 the limit, $3 the question's
// words (quotes and -exclusions removed), $4 the excluded words ("a or b", or ''), $5 a plain
// question (no quotes, no -exclusions).
//
// Typos: each typed word ('simple': lower case, not stemmed) of 4 letters or more that no
// published article uses is replaced by the most similar word they use (help_word, migration
// 0025: a lookup among a few thousand words; the most similar), and the
// corrected question runs through the full-text index. Its matches are scored by their rank or,
// when higher, by how much their title resembles the corrected question, as titles were
// compared with typos before (from pg_trgm's word similarity 0.5 → 0 to 0.9, plus a tenth of
// the whole title's similarity: of two titles holding the word, the shorter, more about it,
// comes first) — times the worst correction's similarity (a guess is less sure than the words
// typed).
// Some of the words: when no article holds every (corrected) word of a plain question —
// "how can I get a refund", where "get" is in no refund article — the articles holding any of
// its words (at most 100), scored by their rank for any of the words times the share of the
// question's words they hold (and the similarity of the corrections): a partial match never
// outscores a whole one, and the bot's threshold keeps its meaning.
const std::string kFallbackSql = R"SQL(
WITH typed AS (
  SELECT t.lexeme AS word, t.positions[1] AS pos FROM unnest(to_tsvector('simple', $3)) t
), fixes AS (
  SELECT typed.pos, typed.word, fix.word AS fixed, fix.sim
  FROM typed LEFT JOIN LATERAL (
    SELECT h.word, similarity(h.word, typed.word) AS sim FROM help_word h
    WHERE length(typed.word) >= 4 AND typed.word ~ '^[[:alpha:]]+$'
      AND NOT EXISTS (SELECT 1 FROM help_word known WHERE known.word = typed.word)
      AND h.word % typed.word
    ORDER BY sim DESC, h.word LIMIT 1
  ) fix ON true
), fixed AS (
  SELECT coalesce(string_agg(coalesce(fixed, word), ' ' ORDER BY pos), '') AS text,
         coalesce(min(sim), 1) AS sim, count(fixed) AS corrections
  FROM fixes
), q AS (
  SELECT websearch_to_tsquery($1::regconfig, fixed.text) AS query,
         CASE WHEN $4 = '' THEN NULL ELSE websearch_to_tsquery($1::regconfig, $4) END AS excluded,
         CASE WHEN $5 THEN replace(plainto_tsquery($1::regconfig, fixed.text)::text, ' & ', ' | ')::tsquery END AS any_word,
         tsvector_to_array(to_tsvector($1::regconfig, fixed.text)) AS words,
         fixed.text, fixed.sim, fixed.corrections
  FROM fixed
), corrected AS (
  SELECT a.id, a.search_vector, a.title FROM article a, q
  WHERE q.corrections > 0 AND a.status = 'published' AND a.search_vector @@ q.query
    AND (q.excluded IS NULL OR NOT a.search_vector @@ q.excluded)
  LIMIT 100
), corrected_hits AS (
  SELECT m.id, q.sim * greatest(ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', m.search_vector, q.query, 32),
                                0.9 * (word_similarity(q.text, m.title) - 0.5) / 0.5 + 0.1 * similarity(q.text, m.title)) AS score
  FROM corrected m, q
), some_words AS (
  SELECT a.id, a.search_vector FROM article a, q
  WHERE NOT EXISTS (SELECT 1 FROM corrected) AND q.any_word IS NOT NULL AND cardinality(q.words) > 1
    AND a.status = 'published' AND a.search_vector @@ q.any_word
  LIMIT 100
), some_hits AS (
  SELECT m.id, q.sim * ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', m.search_vector, q.any_word, 32)
         * (SELECT count(*) FROM unnest(q.words) w WHERE m.search_vector @@ quote_literal(w)::tsquery)::float8
         / cardinality(q.words) AS score
  FROM some_words m, q
), top AS (
  SELECT id, score FROM (SELECT * FROM corrected_hits UNION ALL SELECT * FROM some_hits) hits
  WHERE score > 0 ORDER BY score DESC, id LIMIT $2
)
)SQL" + kAnswerColumns;
const store::Statement kFallback{"help_search_fallback", kFallbackSql.c_str()};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

QueryParts split_query(std::string_view query) {
  QueryParts parts;
  bool quoted = false;
  std::size_t i = 0;
  while (i < query.size()) {
    char c = query[i];
    if (c == '"') {
      quoted = !quoted;
      parts.similar_text += ' ';
      ++i;
      continue;
    }
    bool word_start = i == 0 || is_space(query[i - 1]);
    if (!quoted && c == '-' && word_start && i + 1 < query.size() && !is_space(query[i + 1])) {
      std::size_t end = i + 1;
      while (end < query.size() && !is_space(query[end]) && query[end] != '"') ++end;
      if (!parts.excluded.empty()) parts.excluded += " or ";
      parts.excluded.append(query.substr(i + 1, end - i - 1));
      i = end;
      continue;
    }
    parts.similar_text += c;
    ++i;
  }
  // Collapse white space, so that "a  b" and " a b " compare alike.
  std::string collapsed;
  for (char c : parts.similar_text) {
    if (is_space(c)) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  parts.similar_text = std::move(collapsed);
  return parts;
}

std::string snippet_html(std::string_view headline) {
  std::string escaped = escape_html(headline);
  std::string out;
  out.reserve(escaped.size() + 32);
  bool open = false;
  for (char c : escaped) {
    if (c == '\x02' && !open) {
      out += "<mark>";
      open = true;
    } else if (c == '\x03' && open) {
      out += "</mark>";
      open = false;
    } else if (c != '\x02' && c != '\x03') {
      out += c;
    }
  }
  if (open) out += "</mark>";
  return out;
}

namespace {

ApiError too_long() { return ApiError(503, "search_timeout", "The search took too long; try fewer words"); }

// Before the second statement: `elapsed` is the time the search took so far. Throws
// too_long() when nothing is left, and makes PostgreSQL cancel that statement in time.
using BeforeFallback = std::function<void(std::chrono::milliseconds elapsed)>;

// A question of nothing but spaces has no answer, and costs no statement.
bool blank(std::string_view question) { return std::all_of(question.begin(), question.end(), is_space); }

// Both tiers on `txn`: full text, then — only when it found nothing — typos and some of the
// words, at most kMaxResults hits. The statement timeout (set by the caller) cancels a
// statement: 503 search_timeout.
std::vector<ArticleHit> run_tiers(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& config,
                                  std::string_view question, int limit, const BeforeFallback& before_fallback) {
  limit = std::clamp(limit, 1, kMaxResults);
  const std::string q(question);
  QueryParts parts = split_query(q);
  auto started = std::chrono::steady_clock::now();
  pqxx::result rows;
  try {
    // Quotes and -exclusions are search syntax: such a query means every word it names.
    rows = conn.exec(txn, kSearch, config, q, limit, parts.similar_text);
    if (rows.empty() && !parts.similar_text.empty()) {
      // One budget for the whole search: the fallback runs only in the time the first left.
      before_fallback(std::chrono::ceil<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started));
      bool plain_question = parts.excluded.empty() && q.find('"') == std::string::npos;
      rows = conn.exec(txn, kFallback, config, limit, parts.similar_text, parts.excluded, plain_question);
    }
  } catch (const pqxx::sql_error& e) {
    // 57014: cancelled by statement_timeout (libpqxx 6.4 has no class of its own for it).
    if (e.sqlstate() == "57014") throw too_long();
    throw;
  }
  std::vector<ArticleHit> hits;
  hits.reserve(rows.size());
  for (const auto& r : rows) {
    hits.push_back(ArticleHit{r[0].as<std::int64_t>(), r[1].c_str(), r[2].c_str(), r[3].c_str(),
                              snippet_html(r[5].c_str()), std::clamp(r[4].as<double>(), 0.0, 1.0)});
  }
  return hits;
}

}  // namespace

std::vector<ArticleHit> ArticleSearch::answer(store::DbConn& conn, std::string_view question, int limit) {
  if (blank(question)) return {};
  pqxx::read_transaction txn(conn.raw());
  conn.exec(txn, kSettings, std::to_string(timeout_.count()));
  return run_tiers(conn, txn, config_, question, limit, [&](std::chrono::milliseconds elapsed) {
    auto left = timeout_ - elapsed;
    if (left.count() < 1) throw too_long();
    conn.exec(txn, kTimeLeft, std::to_string(left.count()));
  });
}

std::chrono::milliseconds ArticleSearch::session_timeout() const {
  return std::max(std::chrono::milliseconds(1), timeout_ - timeout_ / 10);
}

std::string ArticleSearch::session_setup() const {
  // Read-only besides: these connections only search.
  return "SET statement_timeout = " + std::to_string(session_timeout().count()) +
         PARLEY_HELP_SEARCH_SETTINGS(PARLEY_SET_FOR_SESSION) "; SET default_transaction_read_only = on";
}

std::vector<ArticleHit> ArticleSearch::answer_on_search_connection(store::DbConn& conn, std::string_view question,
                                                                   int limit) {
  if (blank(question)) return {};
  // Each statement is a transaction of its own; the first's snapshot is not needed by the
  // second (it runs only when the first found nothing).
  pqxx::nontransaction txn(conn.raw());
  const auto session = session_timeout();
  bool timeout_changed = false;
  auto restore = [&] {
    if (timeout_changed) conn.exec(txn, kSessionTimeout, std::to_string(session.count()));
    timeout_changed = false;
  };
  try {
    auto hits = run_tiers(conn, txn, config_, question, limit, [&](std::chrono::milliseconds elapsed) {
      auto left = timeout_ - elapsed;
      if (left.count() < 1) throw too_long();
      // elapsed + session ≤ timeout: the session's own timeout bounds the whole search.
      if (elapsed + session <= timeout_) return;
      conn.exec(txn, kSessionTimeout, std::to_string(left.count()));
      timeout_changed = true;
    });
    restore();
    return hits;
  } catch (const pqxx::broken_connection&) {
    throw;  // the connection is replaced, with its settings
  } catch (...) {
    restore();  // outside a transaction a failed statement leaves the session usable
    throw;
  }
}

}  // namespace parley::help
