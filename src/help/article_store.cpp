#include "parley/help/article_store.hpp"

#include <algorithm>

#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/help/answer_cache_listener.hpp"
#include "parley/help/markdown.hpp"
#include "parley/core/text.hpp"

namespace parley::help {
namespace {

// $1 slug, $2 title, $3 collection, $4 status, $5 body_md, $6 body_html, $7 body_text,
// $8 text-search configuration. The vector: title weight A, body B.
#define PARLEY_ARTICLE_VECTOR \
  "setweight(to_tsvector($8::text::regconfig, $2), 'A') || setweight(to_tsvector($8::text::regconfig, $7), 'B')"
#define PARLEY_ARTICLE_COLUMNS "id, slug, title, collection, status, body_md, body_html, parley_time(updated_at)"

// Sent in every writing transaction, delivered at its commit: every process's search forgets
// its kept answers (answer_cache_listener.hpp). Empty payload: a wake-up, not a description.
const store::Statement kChangedNotify{"article_changed_notify", "SELECT pg_notify('parley_articles', '')"};

const store::Statement kInsert{"article_insert",
                               "INSERT INTO article (slug, title, collection, status, body_md, body_html, body_text, "
                               "search_config, search_vector) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, " PARLEY_ARTICLE_VECTOR
                               ") RETURNING " PARLEY_ARTICLE_COLUMNS};
// Only when something changed, so that updated_at (and the page's ETag) stays as it was
// when an import or a save repeats what is stored.
const store::Statement kUpdate{
    "article_update",
    "UPDATE article SET title = $2, collection = $3, status = $4, body_md = $5, body_html = $6, body_text = $7, "
    "search_config = $8::text, search_vector = " PARLEY_ARTICLE_VECTOR
    ", updated_at = now() WHERE slug = $1 AND (title, collection, status, body_md, search_config) IS DISTINCT FROM "
    "($2, $3, $4, $5, $8) RETURNING " PARLEY_ARTICLE_COLUMNS};
const store::Statement kSlugOf{"article_slug_of", "SELECT slug FROM article WHERE id = $1 FOR UPDATE"};
const store::Statement kDelete{"article_delete", "DELETE FROM article WHERE id = $1"};
const store::Statement kById{"article_by_id", "SELECT " PARLEY_ARTICLE_COLUMNS " FROM article WHERE id = $1"};
const store::Statement kBySlug{"article_by_slug", "SELECT " PARLEY_ARTICLE_COLUMNS " FROM article WHERE slug = $1"};
const store::Statement kPublishedBySlug{
    "article_published_by_slug",
    "SELECT " PARLEY_ARTICLE_COLUMNS " FROM article WHERE slug = $1 AND status = 'published'"};
const store::Statement kList{"article_list",
                             "SELECT id, slug, title, collection, status, parley_time(updated_at) FROM article "
                             "ORDER BY updated_at DESC, id DESC LIMIT 10000"};
const store::Statement kListPublished{
    "article_list_published",
    "SELECT id, slug, title, collection, status, parley_time(updated_at) FROM article WHERE status = 'published' "
    "ORDER BY collection = '', lower(collection), collection, lower(title), id LIMIT 10000"};
const store::Statement kAll{"article_all", "SELECT " PARLEY_ARTICLE_COLUMNS " FROM article ORDER BY slug"};
// The slugs already taken by `base` and its numbered forms.
const store::Statement kTakenSlugs{"article_taken_slugs",
                                   "SELECT slug FROM article WHERE slug = $1 OR slug ~ ('^' || $1 || '-[0-9]+$')"};
// Two agents creating "Billing FAQ" at once must not both pick billing-faq-2.
// After a bulk import the planner would otherwise judge the help search's plans by the
// statistics of an almost empty table until autovacuum's next pass (a minute or more).
const store::Statement kAnalyzeAfterImport{"article_analyze_after_import", "ANALYZE article, help_word"};
const store::Statement kSlugLock{"article_slug_lock", "SELECT pg_advisory_xact_lock(hashtext('parley.article.slug'))"};

constexpr std::string_view kSpace = " \t\r\n\f\v";

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(kSpace);
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

Article article_from(const pqxx::row& r) {
  return Article{r[0].as<std::int64_t>(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(),
                 r[5].c_str(),            r[6].c_str(), r[7].c_str()};
}

ArticleSummary summary_from(const pqxx::row& r) {
  return ArticleSummary{r[0].as<std::int64_t>(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].c_str()};
}

// The first free slug of `base`, base-2, base-3… (each within kMaxSlugChars).
std::string unique_slug(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& base) {
  // Usually free: one index lookup (the numbered forms' pattern needs a scan of the slugs).
  if (conn.exec(txn, kBySlug, base).empty()) return base;
  std::vector<std::string> taken;
  for (const auto& row : conn.exec(txn, kTakenSlugs, base)) taken.emplace_back(row[0].c_str());
  auto is_taken = [&](const std::string& s) { return std::find(taken.begin(), taken.end(), s) != taken.end(); };
  if (!is_taken(base)) return base;
  for (int n = 2;; ++n) {
    // Appended, not `"-" + std::to_string(n)`: gcc 12's -O3 reports a false -Wstringop-overflow there.
    std::string suffix(1, '-');
    suffix += std::to_string(n);
    std::string stem = base.substr(0, kMaxSlugChars - suffix.size());
    while (!stem.empty() && stem.back() == '-') stem.pop_back();
    std::string candidate = stem + suffix;
    // A shortened stem has numbered forms of its own: ask again rather than assume.
    if (stem != base) {
      if (conn.exec(txn, kBySlug, candidate).empty()) return candidate;
    } else if (!is_taken(candidate)) {
      return candidate;
    }
  }
}

struct Rendered {
  ArticleInput input;
  RenderedMarkdown md;
};

Article insert(store::DbConn& conn, pqxx::transaction_base& txn, const ArticleInput& in, const RenderedMarkdown& md,
               const std::string& slug, const std::string& config) {
  return article_from(conn.exec(txn, kInsert, slug, in.title, in.collection, in.status, in.body, md.html, md.text, config)[0]);
}

// Updates the article with `slug`; returns it as stored (changed or not).
Article update_by_slug(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& slug, const ArticleInput& in,
                       const RenderedMarkdown& md, const std::string& config) {
  auto r = conn.exec(txn, kUpdate, slug, in.title, in.collection, in.status, in.body, md.html, md.text, config);
  if (!r.empty()) return article_from(r[0]);
  return article_from(conn.exec(txn, kBySlug, slug)[0]);
}

}  // namespace

bool valid_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxSlugChars || slug.front() == '-' || slug.back() == '-') return false;
  for (std::size_t i = 0; i < slug.size(); ++i) {
    char c = slug[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && slug[i - 1] != '-');
    if (!ok) return false;
  }
  return true;
}

std::string slug_for(std::string_view title) {
  std::string slug;
  for (char c : title) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      slug += c;
    } else if (c == '\'' || static_cast<unsigned char>(c) >= 0x80) {
      // "Don't" → "dont"; letters outside ASCII are dropped rather than guessed at.
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  if (slug.size() > kMaxSlugChars) {
    slug.resize(kMaxSlugChars);
    // Cut at the last hyphen, unless that loses most of it.
    auto hyphen = slug.rfind('-');
    if (hyphen != std::string::npos && hyphen >= kMaxSlugChars / 2) slug.resize(hyphen);
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "article" : slug;
}

ArticleInput validated(ArticleInput in) {
  if (in.body.size() > kMaxBodyBytes) throw ApiError::invalid_field("body must be at most 100 KB");
  in.title = validated_text(trimmed(in.title), "title", TextKind::single_line);
  if (in.title.empty()) throw ApiError::invalid_field("title must not be empty");
  if (code_points(in.title) > kMaxTitleChars) throw ApiError::invalid_field("title must be at most 200 characters");
  in.collection = validated_text(trimmed(in.collection), "collection", TextKind::single_line);
  if (code_points(in.collection) > kMaxCollectionChars) {
    throw ApiError::invalid_field("collection must be at most 80 characters");
  }
  in.body = validated_text(in.body, "body", TextKind::multiline);
  if (in.status != "draft" && in.status != "published") throw ApiError::invalid_field("status must be draft or published");
  if (!in.slug.empty() && !valid_slug(in.slug)) {
    throw ApiError::invalid_field("slug must be 1-80 lower-case letters, digits and single hyphens (" + in.slug + ")");
  }
  return in;
}

Article ArticleStore::create(store::DbConn& conn, const ArticleInput& raw) const {
  ArticleInput in = validated(raw);
  RenderedMarkdown md = render_markdown(in.body);
  pqxx::work txn(conn.raw());
  conn.exec(txn, kSlugLock);
  Article a = insert(conn, txn, in, md, unique_slug(conn, txn, in.slug.empty() ? slug_for(in.title) : in.slug), config_);
  conn.exec(txn, kChangedNotify);
  txn.commit();
  return a;
}

std::optional<Article> ArticleStore::update(store::DbConn& conn, std::int64_t id, const ArticleInput& raw) const {
  ArticleInput in = validated(raw);
  RenderedMarkdown md = render_markdown(in.body);
  pqxx::work txn(conn.raw());
  auto slug = conn.exec(txn, kSlugOf, id);
  if (slug.empty()) return std::nullopt;
  Article a = update_by_slug(conn, txn, slug[0][0].c_str(), in, md, config_);
  conn.exec(txn, kChangedNotify);
  txn.commit();
  return a;
}

bool ArticleStore::remove(store::DbConn& conn, std::int64_t id) const {
  pqxx::work txn(conn.raw());
  bool removed = conn.exec(txn, kDelete, id).affected_rows() > 0;
  conn.exec(txn, kChangedNotify);
  txn.commit();
  return removed;
}

std::optional<Article> ArticleStore::get(store::DbConn& conn, std::int64_t id) const {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kById, id);
  if (r.empty()) return std::nullopt;
  return article_from(r[0]);
}

std::optional<Article> ArticleStore::get_published(store::DbConn& conn, std::string_view slug) const {
  if (!valid_slug(slug)) return std::nullopt;
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kPublishedBySlug, std::string(slug));
  if (r.empty()) return std::nullopt;
  return article_from(r[0]);
}

std::vector<ArticleSummary> ArticleStore::list(store::DbConn& conn) const {
  pqxx::read_transaction txn(conn.raw());
  std::vector<ArticleSummary> out;
  for (const auto& row : conn.exec(txn, kList)) out.push_back(summary_from(row));
  return out;
}

std::vector<ArticleSummary> ArticleStore::list_published(store::DbConn& conn) const {
  pqxx::read_transaction txn(conn.raw());
  std::vector<ArticleSummary> out;
  for (const auto& row : conn.exec(txn, kListPublished)) out.push_back(summary_from(row));
  return out;
}

std::vector<Article> ArticleStore::all(store::DbConn& conn) const {
  pqxx::read_transaction txn(conn.raw());
  std::vector<Article> out;
  for (const auto& row : conn.exec(txn, kAll)) out.push_back(article_from(row));
  return out;
}

std::pair<int, int> ArticleStore::import(store::DbConn& conn, const std::vector<ArticleInput>& inputs) const {
  std::vector<Rendered> rendered;
  for (const auto& raw : inputs) {
    ArticleInput in = validated(raw);
    RenderedMarkdown md = render_markdown(in.body);
    rendered.push_back({std::move(in), std::move(md)});
  }
  int created = 0, updated = 0;
  pqxx::work txn(conn.raw());
  conn.exec(txn, kSlugLock);
  for (const auto& [in, md] : rendered) {
    std::string slug = in.slug.empty() ? slug_for(in.title) : in.slug;
    if (!in.slug.empty() && !conn.exec(txn, kBySlug, slug).empty()) {
      update_by_slug(conn, txn, slug, in, md, config_);
      ++updated;
    } else {
      insert(conn, txn, in, md, unique_slug(conn, txn, slug), config_);
      ++created;
    }
  }
  conn.exec(txn, kChangedNotify);
  txn.commit();
  pqxx::nontransaction analyze(conn.raw());
  conn.exec(analyze, kAnalyzeAfterImport);
  return {created, updated};
}

}  // namespace parley::help
