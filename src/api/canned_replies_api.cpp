// Canned replies over REST (docs/INBOX.md, docs/PROTOCOL.md), for signed-in agents:
//   GET    /api/canned-replies           the team's and my own, ranked by my use
//   POST   /api/canned-replies           {scope: "team"|"personal", shortcut, title, body} → 201
//   PUT    /api/canned-replies/:id       {shortcut, title, body}
//   DELETE /api/canned-replies/:id       → 204
//   POST   /api/canned-replies/:id/use   one use (inserted into a reply box) → the new counts
// Team replies: admins only. Personal ones: their owner only (others get 404).
#include "helpers.hpp"
#include "parley/canned/canned_replies.hpp"

namespace parley::api {
namespace {

using canned::Actor;
using canned::Reply;
using canned::ReplyInput;

const canned::CannedReplies kReplies;

Actor actor_of(const auth::AgentRecord& agent) {
  return Actor{agent.id, agent.doc.value("role", std::string()) == "admin"};
}

nlohmann::json reply_json(const Reply& r, const Actor& actor) {
  return {{"id", r.id},
          {"scope", r.team() ? "team" : "personal"},
          {"shortcut", r.shortcut},
          {"title", r.title},
          {"body", r.body},
          {"myUses", r.my_uses},
          {"totalUses", r.total_uses},
          {"lastUsedAt", r.last_used_at.empty() ? nlohmann::json() : nlohmann::json(r.last_used_at)},
          {"updatedAt", r.updated_at},
          {"canManage", canned::may_manage(actor, r)}};
}

std::string string_field(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) throw ApiError::invalid_field(std::string(name) + " is required");
  if (!body[name].is_string()) throw ApiError::invalid_field(std::string(name) + " must be a string");
  return body[name].get<std::string>();
}

ReplyInput parse_reply(const nlohmann::json& body) {
  if (!body.is_object()) throw ApiError::bad_request("The body must be a JSON object");
  return canned::validated({string_field(body, "shortcut"), string_field(body, "title"), string_field(body, "body")});
}

void list_replies(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord& agent, http::Responder respond) {
    Actor actor = actor_of(agent);
    respond_with(ctx, respond, [actor](store::DbConn& conn) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : kReplies.list(conn, actor)) list.push_back(reply_json(r, actor));
      return nlohmann::json{{"replies", list}, {"canManageTeam", actor.admin}};
    });
  });
}

void create_reply(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    auto body = parse_json_body(request);
    if (!body.is_object()) throw ApiError::bad_request("The body must be a JSON object");
    std::string scope = body.contains("scope") ? (body["scope"].is_string() ? body["scope"].get<std::string>() : "?")
                                               : "personal";
    if (scope != "team" && scope != "personal") throw ApiError::invalid_field("scope must be team or personal");
    bool team = scope == "team";
    Actor actor = actor_of(agent);
    // Checked before the fields, so an agent learns first that team replies are not theirs to add.
    if (team) require_admin(agent);
    ReplyInput in = parse_reply(body);
    respond_with(
        ctx, respond,
        [actor, team, in](store::DbConn& conn) {
          return nlohmann::json{{"reply", reply_json(kReplies.create(conn, actor, team, in), actor)}};
        },
        201);
  });
}

void update_reply(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t id = path_id(request);
    ReplyInput in = parse_reply(parse_json_body(request));
    Actor actor = actor_of(agent);
    respond_with(ctx, respond, [actor, id, in](store::DbConn& conn) {
      return nlohmann::json{{"reply", reply_json(kReplies.update(conn, actor, id, in), actor)}};
    });
  });
}

void delete_reply(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t id = path_id(request);
    Actor actor = actor_of(agent);
    ctx.pool.run<bool>(
        [actor, id](store::DbConn& conn) {
          kReplies.remove(conn, actor, id);
          return true;
        },
        [respond](Outcome<bool> r) {
          respond(r.ok() ? http::Response::no_content() : http::Response::error(r.error()));
        });
  });
}

void use_reply(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t id = path_id(request);
    Actor actor = actor_of(agent);
    respond_with(ctx, respond, [actor, id](store::DbConn& conn) {
      return nlohmann::json{{"reply", reply_json(kReplies.record_use(conn, actor, id), actor)}};
    });
  });
}

}  // namespace

void register_canned_reply_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "GET", "/api/canned-replies", list_replies);
  add_route(router, ctx, "POST", "/api/canned-replies", create_reply);
  add_route(router, ctx, "PUT", "/api/canned-replies/:id", update_reply);
  add_route(router, ctx, "DELETE", "/api/canned-replies/:id", delete_reply);
  add_route(router, ctx, "POST", "/api/canned-replies/:id/use", use_reply);
}

}  // namespace parley::api
