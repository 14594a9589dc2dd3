#include "parley/help/pages.hpp"

#include "parley/help/markdown.hpp"

namespace parley::help {
namespace {

std::string article_url(std::string_view slug) { return "/help/articles/" + std::string(slug); }

// "2026-12-06T17:34:41.123Z" → "2026-12-06": a date needs no time zone or script to read.
std::string date_of(std::string_view iso) { return std::string(iso.substr(0, 10)); }

std::string layout(std::string_view title, std::string_view query, const std::string& main) {
  std::string out;
  out.reserve(main.size() + 1200);
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  out += escape_html(title);
  out += "</title>\n<link rel=\"stylesheet\" href=\"/help/help.css\">\n"
         "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n</head>\n<body>\n"
         "<header class=\"top\"><div class=\"wrap\"><a class=\"home\" href=\"/help\">Help center</a>\n"
         "<form class=\"search\" action=\"/help/search\" method=\"get\" role=\"search\">"
         "<label class=\"sr\" for=\"q\">Search the help center</label>"
         "<input id=\"q\" name=\"q\" type=\"search\" maxlength=\"200\" placeholder=\"Search articles\" value=\"";
  out += escape_html(query);
  out += "\"><button type=\"submit\">Search</button></form></div></header>\n<main class=\"wrap\">\n";
  out += main;
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace

std::string render_index_page(const std::vector<ArticleSummary>& published) {
  std::string main = "<h1>How can we help?</h1>\n";
  if (published.empty()) {
    main += "<p class=\"empty\">No articles have been published yet.</p>\n";
    return layout("Help center", "", main);
  }
  // list_published() orders by collection, so each collection is one run of rows.
  const std::string* current = nullptr;
  for (const auto& a : published) {
    if (!current || *current != a.collection) {
      if (current) main += "</ul></section>\n";
      current = &a.collection;
      main += "<section class=\"collection\"><h2>";
      main += a.collection.empty() ? std::string("General") : escape_html(a.collection);
      main += "</h2><ul>\n";
    }
    main += "<li><a href=\"" + article_url(a.slug) + "\">" + escape_html(a.title) + "</a></li>\n";
  }
  main += "</ul></section>\n";
  return layout("Help center", "", main);
}

std::string render_article_page(const Article& a) {
  std::string main = "<nav class=\"crumbs\"><a href=\"/help\">Help center</a>";
  if (!a.collection.empty()) main += " <span aria-hidden=\"true\">›</span> " + escape_html(a.collection);
  main += "</nav>\n<article>\n<h1>" + escape_html(a.title) + "</h1>\n<div class=\"body\">\n";
  main += a.body_html;  // libcmark's safe HTML (markdown.hpp)
  main += "</div>\n<p class=\"updated\">Updated <time datetime=\"" + escape_html(a.updated_at) + "\">" +
          escape_html(date_of(a.updated_at)) + "</time></p>\n</article>\n";
  return layout(a.title + " · Help center", "", main);
}

std::string render_search_page(std::string_view query, const std::vector<ArticleHit>& hits, std::string_view error) {
  std::string main;
  if (query.empty()) {
    main = "<h1>Search</h1>\n<p class=\"empty\">Type a few words above, such as “reset password”.</p>\n";
    return layout("Search · Help center", query, main);
  }
  main = "<h1>Results for “" + escape_html(query) + "”</h1>\n";
  if (!error.empty()) {
    main += "<p class=\"empty\">" + escape_html(error) + "</p>\n";
  } else if (hits.empty()) {
    main += "<p class=\"empty\">No articles match. Try other words, or <a href=\"/help\">browse all articles</a>.</p>\n";
  } else {
    main += "<ol class=\"results\">\n";
    for (const auto& h : hits) {
      main += "<li><a href=\"" + article_url(h.slug) + "\">" + escape_html(h.title) + "</a>";
      if (!h.collection.empty()) main += "<span class=\"in\">" + escape_html(h.collection) + "</span>";
      main += "<p>" + h.snippet_html + "</p></li>\n";  // escaped text and <mark> only (article_search.hpp)
    }
    main += "</ol>\n";
  }
  return layout("Search · Help center", query, main);
}

std::string render_not_found_page() {
  return layout("Not found · Help center", "",
                "<h1>Article not found</h1>\n<p class=\"empty\">It may have been moved or unpublished. "
                "<a href=\"/help\">Browse all articles</a>.</p>\n");
}

}  // namespace parley::help
