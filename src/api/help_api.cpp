// Help-center articles over REST: the agents' CRUD (session + same-origin, like the inbox) and
// the public, rate-limited search and article reads (CORS like the visitor API).
#include <algorithm>

#include "help_routes.hpp"
#include "parley/help/answer_cache.hpp"
#include "parley/help/article_search.hpp"
#include "parley/help/article_store.hpp"
#include "parley/help/markdown.hpp"
#include "parley/help/page_cache.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/core/text.hpp"

namespace parley::api {
namespace {

using help::Article;
using help::ArticleInput;

constexpr int kDefaultResults = 3;

nlohmann::json summary_json(const help::ArticleSummary& a) {
  return {{"id", a.id},           {"slug", a.slug},     {"title", a.title},
          {"collection", a.collection}, {"status", a.status}, {"updatedAt", a.updated_at}};
}

nlohmann::json article_json(const Article& a) {
  return {{"id", a.id},         {"slug", a.slug},        {"title", a.title},    {"collection", a.collection},
          {"status", a.status}, {"body", a.body_md},     {"html", a.body_html}, {"updatedAt", a.updated_at}};
}

std::string string_field(const nlohmann::json& body, const char* name, bool required, const char* fallback = "") {
  if (!body.contains(name) || body[name].is_null()) {
    if (required) throw ApiError::invalid_field(std::string(name) + " is required");
    return fallback;
  }
  if (!body[name].is_string()) throw ApiError::invalid_field(std::string(name) + " must be a string");
  return body[name].get<std::string>();
}

// POST: {title, collection?, body, status?}; PUT: {title, collection?, body, status}.
ArticleInput parse_article(const http::Request& request, bool status_required) {
  auto body = parse_json_body(request);
  ArticleInput in;
  in.title = string_field(body, "title", true);
  in.collection = string_field(body, "collection", false);
  in.body = string_field(body, "body", true);
  in.status = string_field(body, "status", status_required, "draft");
  return help::validated(std::move(in));
}

// After an article's write committed (on the database thread, before the answer is sent):
// this process's pages and search answers are forgotten, so the writer's next search sees it.
void forget_answers(HelpServices& help) {
  help.pages.clear();
  help.answers.invalidate();
}

nlohmann::json results_json(const std::vector<help::ArticleHit>& hits) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& h : hits) {
    results.push_back({{"id", h.id},
                       {"slug", h.slug},
                       {"title", h.title},
                       {"collection", h.collection},
                       {"snippet", h.snippet_html},
                       {"score", h.score},
                       {"url", "/help/articles/" + h.slug}});
  }
  return nlohmann::json{{"results", std::move(results)}};
}

void list_articles(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, &help](const auth::AgentRecord&, http::Responder respond) {
    respond_with(ctx, respond, [&help](store::DbConn& conn) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& a : help.articles.list(conn)) list.push_back(summary_json(a));
      return nlohmann::json{{"articles", list}};
    });
  });
}

void get_article(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, &help, request](const auth::AgentRecord&, http::Responder respond) {
    std::int64_t id = path_id(request);
    respond_with(ctx, respond, [&help, id](store::DbConn& conn) {
      auto a = help.articles.get(conn, id);
      if (!a) throw ApiError::not_found("No such article");
      return nlohmann::json{{"article", article_json(*a)}};
    });
  });
}

void create_article(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &help, request](const auth::AgentRecord&, http::Responder respond) {
    ArticleInput in = parse_article(request, false);
    respond_with(
        ctx, respond,
        [&help, in](store::DbConn& conn) {
          auto a = help.articles.create(conn, in);
          forget_answers(help);
          return nlohmann::json{{"article", article_json(a)}};
        },
        201);
  });
}

void update_article(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &help, request](const auth::AgentRecord&, http::Responder respond) {
    std::int64_t id = path_id(request);
    ArticleInput in = parse_article(request, true);
    respond_with(ctx, respond, [&help, id, in](store::DbConn& conn) {
      auto a = help.articles.update(conn, id, in);
      if (!a) throw ApiError::not_found("No such article");
      forget_answers(help);
      return nlohmann::json{{"article", article_json(*a)}};
    });
  });
}

void delete_article(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &help, request](const auth::AgentRecord&, http::Responder respond) {
    std::int64_t id = path_id(request);
    ctx.pool.run<bool>(
        [&help, id](store::DbConn& conn) {
          bool removed = help.articles.remove(conn, id);
          forget_answers(help);
          return removed;
        },
                       [respond](Outcome<bool> r) {
                         if (!r.ok()) return respond(http::Response::error(r.error()));
                         respond(r.value() ? http::Response::no_content()
                                           : http::Response::error(ApiError::not_found("No such article")));
                       });
  });
}

// Rendering needs no database: answered on the I/O thread (a 100 KB body renders in ~1 ms).
void preview_article(ApiContext& ctx, HelpServices&, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [request](const auth::AgentRecord&, http::Responder respond) {
    auto body = parse_json_body(request);
    std::string md = string_field(body, "body", true);
    if (md.size() > help::kMaxBodyBytes) throw ApiError::invalid_field("body must be at most 100 KB");
    md = validated_text(md, "body", TextKind::multiline);
    respond(http::Response::json(200, {{"html", help::render_markdown(md).html}}));
  });
}

// GET /api/help/search?q=…&limit=1..5: public; per-address limit; empty q → no results.
void search_articles(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  auto with_cors = [request, respond, &ctx](http::Response r) {
    add_visitor_cors(request, r, ctx);
    respond(std::move(r));
  };
  try {
    std::string q = parse_search_query(request.query_param("q"));
    int limit = kDefaultResults;
    if (auto l = request.query_param("limit"); !l.empty()) {
      if (l.size() != 1 || l[0] < '1' || l[0] > '0' + help::kMaxResults) {
        throw ApiError::invalid_field("limit must be a whole number from 1 to 5");
      }
      limit = l[0] - '0';
    }
    if (q.empty()) return with_cors(http::Response::json(200, {{"results", nlohmann::json::array()}}));
    check_search_rate(help, request);
    // The widget's suggestions and every other client ask the same cache: only published
    // articles are searched, so the answer is the same whoever asks (CORS is added per request).
    std::string key = help::AnswerCache::key(ctx.config.text_search_config, "public", limit, q);
    if (auto kept = help.answers.find(key)) return with_cors(http::Response::json(200, results_json(*kept)));
    std::uint64_t generation = help.answers.generation();  // before the search's snapshot
    help.search_pool.run<help::AnswerCache::Answer>(
        [&help, q, limit, key = std::move(key), generation](store::DbConn& conn) {
          return help.answers.put(key, help.search.answer_on_search_connection(conn, q, limit), generation);
        },
        [with_cors](Outcome<help::AnswerCache::Answer> r) {
          if (!r.ok()) {
            ApiError e = search_error(r.error());
            http::Response failed = http::Response::error(e);
            if (auto after = search_retry_after(e); !after.empty()) failed.headers.emplace_back("Retry-After", after);
            return with_cors(std::move(failed));
          }
          with_cors(http::Response::json(200, results_json(*r.value())));
        });
  } catch (const ApiError& e) {
    with_cors(http::Response::error(e));
  }
}

void public_article(ApiContext& ctx, HelpServices& help, const http::Request& request, http::Responder respond) {
  auto with_cors = [request, respond, &ctx](http::Response r) {
    add_visitor_cors(request, r, ctx);
    respond(std::move(r));
  };
  std::string slug = request.params.at("slug");
  ctx.pool.run<nlohmann::json>(
      [&help, slug](store::DbConn& conn) {
        auto a = help.articles.get_published(conn, slug);
        if (!a) throw ApiError::not_found("No such article");
        return nlohmann::json{{"article",
                               {{"slug", a->slug},
                                {"title", a->title},
                                {"collection", a->collection},
                                {"html", a->body_html},
                                {"updatedAt", a->updated_at}}}};
      },
      [with_cors](Outcome<nlohmann::json> r) {
        with_cors(r.ok() ? http::Response::json(200, r.value()) : http::Response::error(r.error()));
      });
}

}  // namespace

std::string parse_search_query(const std::string& raw) {
  std::string q = validated_text(raw, "q", TextKind::single_line);
  if (code_points(q) > help::kMaxQueryChars) {
    throw ApiError::invalid_field("q must be at most 200 characters");
  }
  auto first = q.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : q.substr(first, q.find_last_not_of(" \t") - first + 1);
}

ApiError search_error(const ApiError& e) {
  return e.code() == "overloaded" ? ApiError(503, "search_busy", "Too many searches at once; retry in a moment") : e;
}

std::string search_retry_after(const ApiError& e) { return e.code() == "search_busy" ? "1" : ""; }

void check_search_rate(HelpServices& help, const http::Request& request) {
  if (limited_address(request.remote_address) && !help.search_by_address.try_acquire(request.remote_address)) {
    // Response::error adds Retry-After: 60 to every 429: the window is a minute.
    throw ApiError(429, "too_many_requests", "Too many searches from this address; retry in a minute");
  }
}

void add_help_route(http::Router& router, ApiContext& ctx, HelpServices& help, const char* method, const char* path,
                    HelpHandler handler, std::size_t body_limit) {
  router.add(method, path, [&ctx, &help, handler = std::move(handler)](const http::Request& request, http::Responder respond) {
    try {
      handler(ctx, help, request, respond);  // a copy: the catch below may still need it
    } catch (const ApiError& e) {
      respond(http::Response::error(e));
    }
  }, body_limit);
}

void register_help_routes(http::Router& router, ApiContext& ctx, HelpServices& help) {
  // An article's Markdown may be 100 KB, and JSON escaping (quotes, newlines, backslashes)
  // can double it: these routes take bodies of up to 256 KiB; every other route keeps 64 KiB.
  constexpr std::size_t kArticleBodyLimit = 256 * 1024;
  static_assert(kArticleBodyLimit >= 2 * help::kMaxBodyBytes + 16 * 1024);
  // The literal path before the :id pattern: the router takes the first match.
  add_help_route(router, ctx, help, "POST", "/api/articles/preview", preview_article, kArticleBodyLimit);
  add_help_route(router, ctx, help, "GET", "/api/articles", list_articles);
  add_help_route(router, ctx, help, "POST", "/api/articles", create_article, kArticleBodyLimit);
  add_help_route(router, ctx, help, "GET", "/api/articles/:id", get_article);
  add_help_route(router, ctx, help, "PUT", "/api/articles/:id", update_article, kArticleBodyLimit);
  add_help_route(router, ctx, help, "DELETE", "/api/articles/:id", delete_article);
  add_help_route(router, ctx, help, "GET", "/api/help/search", search_articles);
  add_help_route(router, ctx, help, "GET", "/api/help/articles/:slug", public_article);
  register_help_pages(router, ctx, help);
}

}  // namespace parley::api
