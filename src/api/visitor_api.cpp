#include "helpers.hpp"
#include "parley/auth/visitor_identity.hpp"

namespace parley::api {
namespace {

std::optional<std::string> bearer_token(const http::Request& request) {
  std::string auth = request.header("authorization");
  if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7 || auth.size() > 200) return std::nullopt;
  return auth.substr(7);
}

void identify_preflight(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  http::Response r = http::Response::no_content();
  add_visitor_cors(request, r, ctx);
  r.headers.emplace_back("Access-Control-Allow-Methods", "POST");
  r.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, Authorization");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  respond(std::move(r));
}

void identify(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  auto with_cors = [request, respond, &ctx](http::Response r) {
    add_visitor_cors(request, r, ctx);
    respond(std::move(r));
  };
  try {
    if (limited_address(request.remote_address) && !ctx.identify_by_address.try_acquire(request.remote_address)) {
      // Response::error adds Retry-After: 60 to every 429: the window is a minute.
      return with_cors(http::Response::error(
          ApiError(429, "too_many_requests", "Too many new visitors from this address; retry in a minute")));
    }
    auto body = parse_json_body(request);
    auth::IdentifyRequest req = auth::parse_identify_request(body);
    req.current_token = bearer_token(request);
    bool verified = auth::check_identity(req, ctx.config.identity_secret);
    ctx.pool.run<auth::IdentifyResult>(
        [req, verified](store::DbConn& conn) { return auth::identify_visitor(conn, req, verified); },
        [with_cors](Outcome<auth::IdentifyResult> r) {
          if (!r.ok()) return with_cors(http::Response::error(r.error()));
          const auto& v = r.value();
          with_cors(http::Response::json(
              200, {{"visitorId", v.visitor_id}, {"visitorToken", v.visitor_token}, {"verified", v.verified}}));
        });
  } catch (const ApiError& e) {
    with_cors(http::Response::error(e));
  }
}

}  // namespace

void register_visitor_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "OPTIONS", "/api/visitors/identify", identify_preflight);
  add_route(router, ctx, "POST", "/api/visitors/identify", identify);
}

}  // namespace parley::api
