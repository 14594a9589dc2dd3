#pragma once
// Search over the published articles, in PostgreSQL: full text (websearch_to_tsquery, so
// "quoted phrases" and -exclusions work; ts_rank_cd with the title weighted above the body);
// when nothing matches, typos corrected against the words of the articles (pg_trgm over
// help_word, migration 0025: "pasword" → "password") and "some of the words" of a question.
// The AnswerSource of today (answer_source.hpp), and what GET /api/help/search runs.
#include <chrono>
#include <string>

#include "parley/help/answer_source.hpp"

namespace parley::help {

constexpr std::size_t kMaxQueryChars = 200;
constexpr int kMaxResults = 5;

// A query split for the fallback tiers: its words (quotes and -exclusions removed), corrected
// and counted there, and the excluded words, "a or b", for websearch_to_tsquery.
struct QueryParts {
  std::string similar_text;
  std::string excluded;
};
QueryParts split_query(std::string_view query);

// `headline` (ts_headline's output, matches between \x02 and \x03) as HTML: the text escaped,
// the matches in <mark>…</mark>, nothing else.
std::string snippet_html(std::string_view headline);

class ArticleSearch : public AnswerSource {
 public:
  // `statement_timeout`: a search that takes longer is cancelled by PostgreSQL (ApiError 503
  // search_timeout), so no query a visitor can type holds a database thread for long.
  explicit ArticleSearch(std::string text_search_config,
                         std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(1000))
      : config_(std::move(text_search_config)), timeout_(statement_timeout) {}

  // Published articles only; scores in 0..1, best first; `limit` is clamped to 1..kMaxResults.
  // An empty (or all-stop-word) question finds nothing. On any connection: a read-only
  // transaction of its own, its settings set in it (the FAQ bot's way).
  std::vector<ArticleHit> answer(store::DbConn& conn, std::string_view question, int limit) override;

  // The settings of a connection that only searches (the help search's own pool, serve.cpp),
  // set once when it connects: the statement timeout (see below), no NOTICE for a query of stop
  // words, pg_trgm's similarity threshold, the generic plan, read-only.
  std::string session_setup() const;
  // The same answer as answer(), on a connection set up with session_setup(): no transaction
  // and no settings statement, so a search is ONE round trip to PostgreSQL (two when the
  // typo / some-of-the-words tier runs) instead of four or five. The statement timeout still
  // bounds the whole search: the session's timeout is 9/10 of it, and the second statement
  // runs under it only when the first took at most the remaining tenth; otherwise the
  // timeout is set to what is left around it (two more round trips, a slow search's).
  std::vector<ArticleHit> answer_on_search_connection(store::DbConn& conn, std::string_view question, int limit);

 private:
  std::chrono::milliseconds session_timeout() const;

  std::string config_;
  std::chrono::milliseconds timeout_;
};

}  // namespace parley::help
