#pragma once
// The public help center as plain server-rendered HTML (readable without JavaScript): the
// index by collection, an article, search results, not found. Every text is escaped; article
// bodies are libcmark's safe HTML; snippets carry only <mark>. Styled by /help/help.css
// (web/help/help.css, the widget's default colour).
#include <string>
#include <string_view>
#include <vector>

#include "parley/help/answer_source.hpp"
#include "parley/help/article_store.hpp"

namespace parley::help {

std::string render_index_page(const std::vector<ArticleSummary>& published);
std::string render_article_page(const Article& article);
// `error`: a sentence shown instead of results (the search was refused or timed out).
std::string render_search_page(std::string_view query, const std::vector<ArticleHit>& hits, std::string_view error = {});
std::string render_not_found_page();

// The Content-Security-Policy of these pages: no script at all, images from anywhere https.
constexpr const char* kPagePolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' data: https:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'";

}  // namespace parley::help
