// Labels over REST (docs/PROTOCOL.md, "Labels"): every agent reads them and puts them on
// conversations; only admins define, rename, recolour and delete them. Each handler parses,
// calls conversation::Labels (which writes the event every inbox hears), and renders.
#include "helpers.hpp"
#include "parley/api/labels_routes.hpp"

namespace parley::api {
namespace {

using conversation::LabelEdit;
using conversation::Labels;

// An optional string field: nullopt when absent or null; 400 when another type.
std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  if (!body[field].is_string()) throw ApiError::invalid_field(std::string(field) + " must be a string");
  return body[field].get<std::string>();
}

LabelEdit parse_label(const http::Request& request, bool both_required) {
  auto body = parse_json_body(request);
  if (!body.is_object()) throw ApiError::bad_request("The body must be a JSON object");
  LabelEdit edit;
  if (auto name = optional_string(body, "name")) edit.name = conversation::validated_label_name(*name);
  if (auto colour = optional_string(body, "colour")) edit.colour = conversation::validated_label_colour(*colour);
  if (both_required && !edit.name) throw ApiError::invalid_field("name is required");
  if (both_required && !edit.colour) throw ApiError::invalid_field("colour is required");
  if (!edit.name && !edit.colour) throw ApiError::invalid_field("name or colour is required");
  return edit;
}

// Answers with a JSON document built by the database (already text: no re-parse).
void respond_doc(ApiContext& ctx, http::Responder respond, std::function<std::string(store::DbConn&)> work,
                 int status = 200) {
  ctx.pool.run<std::string>(std::move(work), [respond, status](Outcome<std::string> r) {
    if (!r.ok()) return respond(http::Response::error(r.error()));
    http::Response res;
    res.status = status;
    res.body = r.value();
    respond(std::move(res));
  });
}

void list_labels(ApiContext& ctx, Labels& labels, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, &labels](const auth::AgentRecord&, http::Responder respond) {
    respond_doc(ctx, respond, [&labels](store::DbConn& conn) { return labels.list(conn); });
  });
}

void create_label(ApiContext& ctx, Labels& labels, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &labels, request](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    LabelEdit in = parse_label(request, true);
    respond_doc(
        ctx, respond,
        [&labels, in](store::DbConn& conn) { return R"({"label":)" + labels.create(conn, *in.name, *in.colour) + "}"; },
        201);
  });
}

void update_label(ApiContext& ctx, Labels& labels, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &labels, request](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    std::int64_t id = path_id(request);
    LabelEdit in = parse_label(request, false);
    respond_doc(ctx, respond, [&labels, id, in](store::DbConn& conn) {
      auto doc = labels.update(conn, id, in);
      if (!doc) throw ApiError::not_found("No such label");
      return R"({"label":)" + *doc + "}";
    });
  });
}

void delete_label(ApiContext& ctx, Labels& labels, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &labels, request](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    std::int64_t id = path_id(request);
    ctx.pool.run<bool>([&labels, id](store::DbConn& conn) { return labels.remove(conn, id); },
                       [respond](Outcome<bool> r) {
                         if (!r.ok()) return respond(http::Response::error(r.error()));
                         respond(r.value() ? http::Response::no_content()
                                           : http::Response::error(ApiError::not_found("No such label")));
                       });
  });
}

// PUT puts the label on the conversation, DELETE takes it off; both answer the conversation's
// labels as they are now (`changed`: false when it already was so).
void change_assignment(ApiContext& ctx, Labels& labels, const http::Request& request, http::Responder respond,
                       bool put_on) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond,
             [&ctx, &labels, request, put_on](const auth::AgentRecord& agent, http::Responder respond) {
               std::int64_t conversation_id = path_id(request);
               std::int64_t label_id = path_id(request, "labelId");
               std::int64_t agent_id = agent.id;
               respond_doc(ctx, respond, [&labels, conversation_id, label_id, agent_id, put_on](store::DbConn& conn) {
                 auto r = put_on ? labels.add(conn, conversation_id, label_id, agent_id)
                                 : labels.take_off(conn, conversation_id, label_id, agent_id);
                 return R"({"conversationId":)" + std::to_string(r.conversation_id) + R"(,"labels":)" + r.labels_doc +
                        R"(,"changed":)" + (r.changed ? "true" : "false") + "}";
               });
             });
}

void add_label_route(http::Router& router, ApiContext& ctx, Labels& labels, const char* method, const char* path,
                     std::function<void(ApiContext&, Labels&, const http::Request&, http::Responder)> handler) {
  router.add(method, path, [&ctx, &labels, handler = std::move(handler)](const http::Request& request,
                                                                        http::Responder respond) {
    try {
      handler(ctx, labels, request, respond);  // a copy: the catch below may still need it
    } catch (const ApiError& e) {
      respond(http::Response::error(e));
    }
  });
}

}  // namespace

void register_label_routes(http::Router& router, ApiContext& ctx, conversation::Labels& labels) {
  add_label_route(router, ctx, labels, "GET", "/api/labels", list_labels);
  add_label_route(router, ctx, labels, "POST", "/api/labels", create_label);
  add_label_route(router, ctx, labels, "PATCH", "/api/labels/:id", update_label);
  add_label_route(router, ctx, labels, "DELETE", "/api/labels/:id", delete_label);
  add_label_route(router, ctx, labels, "PUT", "/api/inbox/:id/labels/:labelId",
                  [](ApiContext& c, Labels& l, const http::Request& rq, http::Responder rs) {
                    change_assignment(c, l, rq, std::move(rs), true);
                  });
  add_label_route(router, ctx, labels, "DELETE", "/api/inbox/:id/labels/:labelId",
                  [](ApiContext& c, Labels& l, const http::Request& rq, http::Responder rs) {
                    change_assignment(c, l, rq, std::move(rs), false);
                  });
}

}  // namespace parley::api
