// The widget's stored settings over REST (docs/PROTOCOL.md, docs/EMBED.md):
//   GET /widget.json   public: what the loader merges under SupportChat.init's options
//   GET /api/settings/widget   agents: the settings and who saved them last (admins may edit)
//   PUT /api/settings/widget   admins: replace them
// Read from PostgreSQL on every request, so every process serves a change at once. The public
// read is revalidated on every page load (no-cache + ETag → 304): a saved change shows on the
// next load of any customer page, while an unchanged one costs a 304 and no body.
#include "helpers.hpp"
#include "parley/core/text.hpp"
#include "parley/help/page_cache.hpp"
#include "parley/widget/widget_settings.hpp"

namespace parley::api {
namespace {

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  for (auto tag : split_trimmed(if_none_match, ',')) {
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);  // weak comparison, as for GET
    if (tag == etag || tag == "*") return true;
  }
  return false;
}

void public_settings(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  std::string if_none_match = request.header("if-none-match");
  ctx.pool.run<nlohmann::json>(
      [](store::DbConn& conn) { return widget::public_json(widget::load(conn)); },
      [&ctx, request, if_none_match, respond](Outcome<nlohmann::json> r) {
        http::Response res = r.ok() ? http::Response::json(200, r.value()) : http::Response::error(r.error());
        if (r.ok()) {
          std::string etag = help::etag_of(res.body);
          res.headers.emplace_back("ETag", etag);
          if (!if_none_match.empty() && etag_matches(if_none_match, etag)) {
            res.status = 304;
            res.body.clear();
          }
        }
        // Revalidated on every use: a change shows on the next page load, never a day later.
        res.headers.emplace_back("Cache-Control", "no-cache");
        add_visitor_cors(request, res, ctx);
        respond(std::move(res));
      });
}

void admin_settings(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord& agent, http::Responder respond) {
    bool admin = agent.doc.value("role", std::string()) == "admin";
    respond_with(ctx, respond, [admin](store::DbConn& conn) {
      auto out = widget::admin_json(widget::load(conn));
      out["editable"] = admin;  // agents see the settings read-only
      return nlohmann::json{{"settings", out}};
    });
  });
}

void save_settings(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    auto settings = widget::validated(parse_json_body(request));
    std::int64_t agent_id = agent.id;
    respond_with(ctx, respond, [settings, agent_id](store::DbConn& conn) {
      auto out = widget::admin_json(widget::save(conn, settings, agent_id));
      out["editable"] = true;
      return nlohmann::json{{"settings", out}};
    });
  });
}

}  // namespace

void register_widget_settings_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "GET", "/widget.json", public_settings);
  add_route(router, ctx, "GET", "/api/settings/widget", admin_settings);
  add_route(router, ctx, "PUT", "/api/settings/widget", save_settings);
}

}  // namespace parley::api
