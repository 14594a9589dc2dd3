#pragma once
// Help-center articles in PostgreSQL: written by agents (the API) and by `parley articles
// import`, read by the help center pages and the API. Bodies are rendered on write.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/store/db_conn.hpp"

namespace parley::help {

// Limits (docs/HELP_CENTER.md). Lengths count characters (code points), bodies bytes.
constexpr std::size_t kMaxTitleChars = 200;
constexpr std::size_t kMaxCollectionChars = 80;
constexpr std::size_t kMaxBodyBytes = 100 * 1024;
constexpr std::size_t kMaxSlugChars = 80;

struct ArticleInput {
  std::string title;
  std::string collection;  // "" = none
  std::string body;        // Markdown
  std::string status = "draft";  // draft | published
  std::string slug;        // import only: "" = derived from the title
};

struct Article {
  std::int64_t id = 0;
  std::string slug, title, collection, status, body_md, body_html;
  std::string updated_at;  // ISO-8601 UTC
};

// An article in a list: what the agents' list and the help center index need.
struct ArticleSummary {
  std::int64_t id = 0;
  std::string slug, title, collection, status, updated_at;
};

// Checks and normalises `input` (ApiError invalid_field on a bad title, collection, body,
// status or slug); trims the title and collection.
ArticleInput validated(ArticleInput input);

// The slug a title gives: lower-case ASCII letters and digits separated by single hyphens,
// at most kMaxSlugChars (cut at a hyphen when one is near), "article" when nothing is left.
std::string slug_for(std::string_view title);
bool valid_slug(std::string_view slug);

// Article writes need the text-search configuration the vectors are built with.
class ArticleStore {
 public:
  explicit ArticleStore(std::string text_search_config) : config_(std::move(text_search_config)) {}

  // A new article; its slug is input.slug or slug_for(title), made unique with -2, -3…
  Article create(store::DbConn& conn, const ArticleInput& input) const;
  // Title, collection, body and status; the slug never changes. nullopt when there is no such id.
  std::optional<Article> update(store::DbConn& conn, std::int64_t id, const ArticleInput& input) const;
  bool remove(store::DbConn& conn, std::int64_t id) const;
  std::optional<Article> get(store::DbConn& conn, std::int64_t id) const;
  // Published only.
  std::optional<Article> get_published(store::DbConn& conn, std::string_view slug) const;
  std::vector<ArticleSummary> list(store::DbConn& conn) const;  // newest first, drafts too
  std::vector<ArticleSummary> list_published(store::DbConn& conn) const;  // by collection, then title
  std::vector<Article> all(store::DbConn& conn) const;  // for export, by slug

  // `parley articles import`: one transaction; an article whose slug exists is updated in
  // place, others are created with their slug. Returns {created, updated}.
  std::pair<int, int> import(store::DbConn& conn, const std::vector<ArticleInput>& inputs) const;

 private:
  std::string config_;
};

}  // namespace parley::help
