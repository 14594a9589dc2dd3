// Automatic assignment over REST (docs/PROTOCOL.md "Routing"):
//   GET  /api/routing             settings, queue, agents' capacity and load (any agent)
//   POST /api/routing             {mode, awayReleaseMinutes} (admins)
//   POST /api/routing/agents/:id  {capacity} (admins)
//   GET  /api/routing/waits       the queue and time to assignment over 24 h / 7 days (any agent)
// A change is stored in PostgreSQL (every process reads it in each assignment) and wakes this
// process's router: more room or an automatic mode may assign what waits, at once.
#include "helpers.hpp"
#include "parley/routing/router.hpp"
#include "parley/routing/settings.hpp"
#include "parley/routing/waits.hpp"

namespace parley::api {
namespace {

int whole_number(const nlohmann::json& body, const char* field, int min, int max) {
  if (!body.contains(field) || !body[field].is_number_integer() || body[field].get<std::int64_t>() < min ||
      body[field].get<std::int64_t>() > max) {
    throw ApiError::invalid_field(std::string(field) + " must be a whole number from " + std::to_string(min) +
                                  " to " + std::to_string(max));
  }
  return body[field].get<int>();
}

routing::Settings parse_settings(const nlohmann::json& body) {
  if (!body.is_object()) throw ApiError::bad_request("The body must be a JSON object");
  routing::Settings s;
  auto mode = body.contains("mode") && body["mode"].is_string() ? routing::parse_mode(body["mode"].get<std::string>())
                                                                 : std::nullopt;
  if (!mode) throw ApiError::invalid_field("mode must be manual, round_robin or balanced");
  s.mode = *mode;
  if (body.contains("awayReleaseMinutes") && !body["awayReleaseMinutes"].is_null()) {
    s.away_release_minutes = whole_number(body, "awayReleaseMinutes", 1, routing::kMaxAwayReleaseMinutes);
  }
  return s;
}

void wake(ApiContext& ctx) {
  if (ctx.routing_wakeup) ctx.routing_wakeup->pull();
}

void get_routing(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord&, http::Responder respond) {
    respond_with(ctx, respond, [](store::DbConn& conn) { return nlohmann::json::parse(routing::overview_json(conn)); });
  });
}

// Any agent, as the rest of the page: team figures, no conversation or visitor in them.
void get_waits(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord&, http::Responder respond) {
    respond_with(ctx, respond, [](store::DbConn& conn) { return nlohmann::json::parse(routing::waits_json(conn)); });
  });
}

void set_routing(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  routing::Settings settings = parse_settings(parse_json_body(request));
  with_agent(ctx, request, respond, [&ctx, settings](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    respond_with(ctx, respond, [&ctx, settings](store::DbConn& conn) {
      routing::write_settings(conn, settings);
      wake(ctx);
      return nlohmann::json::parse(routing::overview_json(conn));
    });
  });
}

void set_capacity(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  std::int64_t id = path_id(request);
  auto body = parse_json_body(request);
  if (!body.is_object()) throw ApiError::bad_request("The body must be a JSON object");
  int capacity = whole_number(body, "capacity", 0, routing::kMaxCapacity);
  with_agent(ctx, request, respond, [&ctx, id, capacity](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    respond_with(ctx, respond, [&ctx, id, capacity](store::DbConn& conn) {
      routing::set_capacity(conn, id, capacity);
      wake(ctx);
      return nlohmann::json::parse(routing::overview_json(conn));
    });
  });
}

}  // namespace

void register_routing_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "GET", "/api/routing", get_routing);
  add_route(router, ctx, "POST", "/api/routing", set_routing);
  add_route(router, ctx, "POST", "/api/routing/agents/:id", set_capacity);
  add_route(router, ctx, "GET", "/api/routing/waits", get_waits);
}

}  // namespace parley::api
