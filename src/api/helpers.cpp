#include "helpers.hpp"

#include <algorithm>

#include "parley/config/config.hpp"
#include "parley/net/address_set.hpp"

namespace parley::api {

nlohmann::json parse_json_body(const http::Request& request) {
  if (request.body.empty()) return nlohmann::json::object();
  auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) throw ApiError(400, "bad_json", "The body is not valid JSON");
  if (!body.is_object()) throw ApiError(400, "bad_json", "The body must be a JSON object");
  return body;
}

void check_same_origin(const http::Request& request, const ApiContext& ctx) {
  std::string origin = request.header("origin");
  if (origin.empty()) return;
  std::string normalised = origin_of(origin);
  if (std::find(ctx.agent_origins.begin(), ctx.agent_origins.end(), normalised) == ctx.agent_origins.end()) {
    throw ApiError(403, "bad_origin", "Cross-site request refused");
  }
}

void add_visitor_cors(const http::Request& request, http::Response& response, const ApiContext& ctx) {
  std::string origin = request.header("origin");
  if (origin.empty()) return;
  const auto& allowed = ctx.config.allowed_origins;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), origin_of(origin)) == allowed.end()) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", origin);
  response.headers.emplace_back("Vary", "Origin");
}

bool limited_address(const std::string& address) {
  static const net::AddressSet kLoopback({"127.0.0.0/8", "::1"});
  return !kLoopback.contains(address);
}

std::string session_cookie(const std::string& token, const ApiContext& ctx, bool secure_request) {
  bool secure = secure_request || ctx.public_origin.rfind("https://", 0) == 0;
  return std::string(auth::kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(auth::kSessionDays * 86400) + (secure ? "; Secure" : "");
}

std::string clear_session_cookie(const ApiContext& ctx, bool secure_request) {
  bool secure = secure_request || ctx.public_origin.rfind("https://", 0) == 0;
  return std::string(auth::kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + (secure ? "; Secure" : "");
}

void respond_with(ApiContext& ctx, http::Responder respond, std::function<nlohmann::json(store::DbConn&)> work,
                  int status) {
  ctx.pool.run<nlohmann::json>(std::move(work), [respond, status](Outcome<nlohmann::json> r) {
    respond(r.ok() ? http::Response::json(status, r.value()) : http::Response::error(r.error()));
  });
}

void with_agent(ApiContext& ctx, const http::Request& request, http::Responder respond,
                std::function<void(const auth::AgentRecord&, http::Responder)> then) {
  std::string token = request.cookie(auth::kSessionCookie);
  if (token.empty()) return respond(http::Response::error(ApiError::unauthenticated()));
  ctx.pool.run<std::optional<auth::AgentRecord>>(
      [token](store::DbConn& conn) { return auth::agent_for_session(conn, token); },
      [respond, then](Outcome<std::optional<auth::AgentRecord>> r) {
        if (!r.ok()) return respond(http::Response::error(r.error()));
        if (!r.value()) return respond(http::Response::error(ApiError::unauthenticated("Your session has ended; log in again")));
        try {
          then(*r.value(), respond);
        } catch (const ApiError& e) {
          respond(http::Response::error(e));
        }
      });
}

void require_admin(const auth::AgentRecord& agent) {
  if (agent.doc.value("role", std::string()) != "admin") throw ApiError::forbidden("Only an admin can do this");
}

std::int64_t path_id(const http::Request& request, const char* name) {
  auto it = request.params.find(name);
  if (it == request.params.end()) throw ApiError::not_found();
  const std::string& s = it->second;
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError::not_found();
  }
  return std::stoll(s);
}

void add_route(http::Router& router, ApiContext& ctx, const char* method, const char* path, ApiHandler handler,
               std::size_t body_limit) {
  router.add(method, path, [&ctx, handler = std::move(handler)](const http::Request& request, http::Responder respond) {
    handler(ctx, request, std::move(respond));
  }, body_limit);
}

}  // namespace parley::api
