#include "parley/help/article_search.hpp"

#include <algorithm>

#include "parley/core/error.hpp"
#include "parley/help/markdown.hpp"

namespace parley::help {
namespace {

// For this transaction only: the statement timeout; no NOTICE for a query of stop words
// ("how do I"); the word-similarity threshold of `<%` (0.6 by default misses "invoce" →
// "invoice", 0.57; unrelated sentences stay near 0.3); and the prepared statement's generic
// plan, which fits every query (the words only reach functions and the indexes' conditions)
// and saves planning this statement again each time (~1 ms, more than running it).
const store::Statement kSettings{"help_search_settings",
                                 "SELECT set_config('statement_timeout', $1, true), "
                                 "set_config('client_min_messages', 'warning', true), "
                                 "set_config('pg_trgm.word_similarity_threshold', '0.5', true), "
                                 "set_config('plan_cache_mode', 'force_generic_plan', true)"};

// $1 configuration, $2 the query, $3 the limit, $4 the text compared with titles, $5 the
// excluded words ("a or b", or '').
//
// Full text first: the articles whose vector matches websearch_to_tsquery (at most 100 of
// them: fetching and ranking cost ~15 µs an article, so a query of words in most articles —
// "settings" — ranks the first 100 found rather than taking 100 ms; a help center's real
// questions match far fewer), scored by
// ts_rank_cd with weights D 0.1, C 0.2, B 0.4 (body), A 1.0 (title), normalised to
// rank / (rank + 1) (flag 32). Only when no article matches — a typo, most likely — the titles
// (at most 200: "configure velvufen" resembles every title starting with "Configure")
// similar to the query's words (`<%`: word similarity ≥ 0.5), without the excluded words,
// scored from the operator's threshold (0.5 → 0) to 0.9, plus a tenth of the whole title's
// similarity (of two titles holding the same word, the shorter, more about it, comes first). A
// fallback rather than a blend: a title merely resembling a query of several words must not
// outrank the articles that hold every word.
// Some of the words: when no article holds every word of a plain question (no quotes, no
// -exclusions) — "how can I get a refund", where "get" is in no refund article — the articles
// holding any of its words (at most 100), scored by their rank for any of the words times the
// share of the question's words they hold: a partial match never outscores a whole one, and
// the bot's threshold keeps its meaning. Typos still reach the title fallback, and the best of
// either tier wins.
// Snippets: ts_headline over the first 3,000 characters of the body's plain text (it parses
// all it is given: ~0.1 ms a KB), its best passage, the matches between \x02 and \x03,
// escaped and marked up in C++ (snippet_html).
const store::Statement kSearch{"help_search", R"SQL(
WITH q AS (
  SELECT websearch_to_tsquery($1::regconfig, $2) AS query,
         CASE WHEN $5 = '' THEN NULL ELSE websearch_to_tsquery($1::regconfig, $5) END AS excluded,
         CASE WHEN $6 THEN replace(plainto_tsquery($1::regconfig, $4)::text, ' & ', ' | ')::tsquery END AS any_word,
         tsvector_to_array(to_tsvector($1::regconfig, $4)) AS words
), matches AS (
  SELECT a.id, a.search_vector FROM article a, q
  WHERE a.status = 'published' AND a.search_vector @@ q.query
  LIMIT 100
), text_hits AS (
  SELECT m.id, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', m.search_vector, q.query, 32) AS score FROM matches m, q
), some_words AS (
  SELECT a.id, a.search_vector FROM article a, q
  WHERE NOT EXISTS (SELECT 1 FROM matches) AND q.any_word IS NOT NULL AND cardinality(q.words) > 1
    AND a.status = 'published' AND a.search_vector @@ q.any_word
  LIMIT 100
), some_hits AS (
  SELECT m.id, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', m.search_vector, q.any_word, 32)
         * (SELECT count(*) FROM unnest(q.words) w WHERE m.search_vector @@ quote_literal(w)::tsquery)::float8
         / cardinality(q.words) AS score
  FROM some_words m, q
), similar_titles AS (
  SELECT a.id, a.title FROM article a, q
  WHERE NOT EXISTS (SELECT 1 FROM matches)
    AND $4 <> '' AND $4 <% a.title AND a.status = 'published'
    AND (q.excluded IS NULL OR NOT a.search_vector @@ q.excluded)
  LIMIT 200
), title_hits AS (
  SELECT id, 0.9 * (word_similarity($4, title) - 0.5) / 0.5 + 0.1 * similarity($4, title) AS score FROM similar_titles
), top AS (
  SELECT id, max(score) AS score
  FROM (SELECT * FROM text_hits UNION ALL SELECT * FROM some_hits UNION ALL SELECT * FROM title_hits) hits
  WHERE score > 0 GROUP BY id ORDER BY score DESC, id LIMIT $3
)
SELECT a.id, a.slug, a.title, a.collection, top.score,
       ts_headline($1::regconfig, left(a.body_text, 3000), q.query,
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=35, MinWords=15')
FROM top JOIN article a USING (id), q
ORDER BY top.score DESC, a.id
)SQL"};

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

std::vector<ArticleHit> ArticleSearch::answer(store::DbConn& conn, std::string_view question, int limit) {
  limit = std::clamp(limit, 1, kMaxResults);
  std::string q(question);
  if (std::all_of(q.begin(), q.end(), is_space)) return {};
  QueryParts parts = split_query(q);
  pqxx::read_transaction txn(conn.raw());
  conn.exec(txn, kSettings, std::to_string(timeout_.count()));
  pqxx::result rows;
  try {
    // Quotes and -exclusions are search syntax: such a query means every word it names.
    bool plain_question = parts.excluded.empty() && q.find('"') == std::string::npos;
    rows = conn.exec(txn, kSearch, config_, q, limit, parts.similar_text, parts.excluded, plain_question);
  } catch (const pqxx::sql_error& e) {
    // 57014: cancelled by statement_timeout (libpqxx 6.4 has no class of its own for it).
    if (e.sqlstate() == "57014") throw ApiError(503, "search_timeout", "The search took too long; try fewer words");
    throw;
  }
  std::vector<ArticleHit> hits;
  for (const auto& r : rows) {
    hits.push_back(ArticleHit{r[0].as<std::int64_t>(), r[1].c_str(), r[2].c_str(), r[3].c_str(),
                              snippet_html(r[5].c_str()), std::clamp(r[4].as<double>(), 0.0, 1.0)});
  }
  return hits;
}

}  // namespace parley::help
