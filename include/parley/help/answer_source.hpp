#pragma once
// The seam between "a visitor asked something" and "where answers come from". Today the
// answers are the published help-center articles, found by ArticleSearch (full text +
// trigram similarity in PostgreSQL, article_search.hpp). A future provider — e.g. an LLM
// endpoint — implements AnswerSource too; the bot and the search API only see this interface.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parley/store/db_conn.hpp"

namespace parley::help {

struct ArticleHit {
  std::int64_t id = 0;
  std::string slug, title, collection;
  std::string snippet_html;  // escaped text with <mark>…</mark> around matches, nothing else
  double score = 0;          // 0..1, comparable to the bot threshold
};

// Where answers to a visitor's question come from.
class AnswerSource {
 public:
  virtual ~AnswerSource() = default;
  // The best hits first, at most `limit`; empty when nothing matches. Runs on a database
  // thread with that thread's connection. ArticleSearch opens its own read-only transaction
  // on `conn` (with its own statement timeout), so call it outside any other transaction on
  // that connection — e.g. before the bot's reply is written, not inside that transaction.
  // Throws ApiError 503 search_timeout when the search takes too long.
  virtual std::vector<ArticleHit> answer(store::DbConn& conn, std::string_view question, int limit) = 0;
};

// The score above which the bot answers on its own. Chosen from the relevance fixture
// (tests/fixtures/help/, tests/integration/help_search.test.mjs): every expected top hit of
// the query table scores above it, unrelated questions below (docs/HELP_CENTER.md).
constexpr double kDefaultBotThreshold = 0.35;

}  // namespace parley::help
