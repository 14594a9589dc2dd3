// The public help center: /help (index by collection), /help/articles/<slug>, /help/search?q=.
// Plain HTML without script; ETag / If-None-Match → 304 like the embedded assets. The index
// and article pages are kept for a moment in memory (help::PageCache); search pages are not.
#include "help_routes.hpp"
#include "parley/core/text.hpp"
#include "parley/help/article_search.hpp"
#include "parley/help/article_store.hpp"
#include "parley/help/page_cache.hpp"
#include "parley/help/pages.hpp"

namespace parley::api {
namespace {

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  for (auto tag : split_trimmed(if_none_match, ',')) {
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);  // weak comparison, as for GET
    if (tag == etag) return true;
  }
  return false;
}

http::Response page_response(const http::Request& request, int status, const std::string& html, const std::string& etag) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", "public, max-age=0, must-revalidate");
  r.headers.emplace_back("Content-Security-Policy", help::kPagePolicy);
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (status == 200 && etag_matches(request.header("if-none-match"), etag)) {
    r.status = 304;
    return r;
  }
  r.body = html;
  return r;
}

http::Response page_response(const http::Request& request, const help::CachedPage& page) {
  return page_response(request, page.status, page.html, page.etag);
}

// Serves `key` from the cache, or renders it on a database thread and keeps it.
void cached_page(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond,
                 std::string key, std::function<std::pair<int, std::string>(store::DbConn&)> render) {
  if (auto page = help.pages.find(key)) return respond(page_response(request, *page));
  ctx.pool.run<std::pair<int, std::string>>(std::move(render), [&help, request, respond, key](Outcome<std::pair<int, std::string>> r) {
    if (!r.ok()) return respond(http::Response::error(r.error()));
    auto page = help.pages.put(key, r.value().first, std::move(r.value().second));
    respond(page_response(request, *page));
  });
}

void index_page(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  cached_page(ctx, help, request, respond, "/help", [&help](store::DbConn& conn) {
    return std::pair{200, help::render_index_page(help.articles.list_published(conn))};
  });
}

void article_page(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  std::string slug = request.params.at("slug");
  if (!help::valid_slug(slug)) {
    std::string html = help::render_not_found_page();
    return respond(page_response(request, 404, html, help::etag_of(html)));
  }
  cached_page(ctx, help, request, respond, "/help/articles/" + slug, [&help, slug](store::DbConn& conn) {
    auto a = help.articles.get_published(conn, slug);
    return a ? std::pair{200, help::render_article_page(*a)} : std::pair{404, help::render_not_found_page()};
  });
}

// The same search as /api/help/search (limit 5) and under the same per-address limit.
void search_page(ApiContext&, HelpServices& help, const http::Request& request, http::Responder respond) {
  auto answer = [request, respond](int status, const std::string& html, const std::string& retry_after = "") {
    http::Response r = page_response(request, status, html, help::etag_of(html));
    if (status == 429) r.headers.emplace_back("Retry-After", "60");
    if (!retry_after.empty()) r.headers.emplace_back("Retry-After", retry_after);
    respond(std::move(r));
  };
  std::string q;
  try {
    q = parse_search_query(request.query_param("q"));
    if (q.empty()) return answer(200, help::render_search_page("", {}));
    check_search_rate(help, request);
  } catch (const ApiError& e) {
    return answer(e.status(), help::render_search_page(q.empty() ? std::string("…") : q, {}, e.what()));
  }
  help.search_pool.run<std::vector<help::ArticleHit>>(
      [&help, q](store::DbConn& conn) { return help.search.answer_on_search_connection(conn, q, help::kMaxResults); },
      [answer, q](Outcome<std::vector<help::ArticleHit>> r) {
        if (!r.ok()) {
          ApiError e = search_error(r.error());
          return answer(e.status(), help::render_search_page(q, {}, e.what()), search_retry_after(e));
        }
        answer(200, help::render_search_page(q, r.value()));
      });
}

}  // namespace

void register_help_pages(http::Router& router, ApiContext& ctx, HelpServices& help) {
  // HEAD as well (crawlers, link checkers): the transport sends the headers GET would.
  for (const char* method : {"GET", "HEAD"}) {
    add_help_route(router, ctx, help, method, "/help", index_page);
    add_help_route(router, ctx, help, method, "/help/", index_page);
    add_help_route(router, ctx, help, method, "/help/search", search_page);
    add_help_route(router, ctx, help, method, "/help/articles/:slug", article_page);
  }
}

}  // namespace parley::api
