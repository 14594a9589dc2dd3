// GET /api/inbox/conversations/:id/context: the customer's product context for the
// conversation's visitor (docs/CONTEXT.md). Only a verified visitor is ever looked up: an
// unverified user id is the visitor's own claim, and an agent would act on someone else's
// account. The lookup runs on the context service's threads; this handler only routes.
#include "helpers.hpp"
#include "parley/context/context_service.hpp"

namespace parley::api {
namespace {

http::Response status_only(const char* status) {
  auto res = http::Response::json(200, {{"status", status}});
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

http::Response render_answer(const context::ContextAnswer& answer) {
  auto res = answer.ok ? http::Response::json(200, {{"status", "ok"}, {"cards", answer.cards}})
                       : http::Response::json(200, {{"status", "unavailable"}, {"reason", answer.reason}});
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

void show_context(ApiContext& ctx, context::ContextService& service, const http::Request& request,
                  http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, &service, request](const auth::AgentRecord&, http::Responder respond) {
    std::int64_t id = path_id(request);
    ctx.pool.run<std::optional<context::VisitorIdentity>>(
        [id](store::DbConn& conn) { return context::visitor_of_conversation(conn, id); },
        [&service, respond](Outcome<std::optional<context::VisitorIdentity>> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          if (!r.value()) return respond(http::Response::error(ApiError::not_found("No such conversation")));
          if (!service.configured()) return respond(status_only("not_configured"));
          if (!r.value()->verified) return respond(status_only("not_verified"));
          service.lookup(*r.value(), [respond](const context::ContextAnswer& answer) { respond(render_answer(answer)); });
        });
  });
}

}  // namespace

void register_context_routes(http::Router& router, ApiContext& ctx, context::ContextService& service) {
  add_route(router, ctx, "GET", "/api/inbox/conversations/:id/context",
            [&service](ApiContext& ctx, const http::Request& request, http::Responder respond) {
              show_context(ctx, service, request, std::move(respond));
            });
}

}  // namespace parley::api
