#pragma once
// Shared by the REST handlers: JSON bodies, agent sessions, the cross-site write check,
// and running database work with its answer rendered.
#include <nlohmann/json.hpp>

#include "parley/api/api.hpp"
#include "parley/auth/agent_accounts.hpp"
#include "parley/core/error.hpp"

namespace parley::api {

nlohmann::json parse_json_body(const http::Request& request);

// Cookie-authenticated writes must come from Parley's own pages: an Origin header, when
// present, must be one of ours (browsers always send it on cross-site POSTs).
void check_same_origin(const http::Request& request, const ApiContext& ctx);

// The visitor API's CORS: the chat frame is served by Parley itself, so its calls are
// same-origin; customer pages may also call the visitor (and public help) endpoints directly
// when PARLEY_ALLOWED_ORIGINS lists them (or any page when it is unset).
void add_visitor_cors(const http::Request& request, http::Response& response, const ApiContext& ctx);

// Whether per-address limits apply to `address`: a client on this machine (a health check, a
// load test, a process without a proxy in front) is not limited; behind a trusted proxy the
// limit applies to the forwarded address.
bool limited_address(const std::string& address);

std::string session_cookie(const std::string& token, const ApiContext& ctx, bool secure_request);
std::string clear_session_cookie(const ApiContext& ctx, bool secure_request);

// Runs `work` on a database thread and answers with its JSON, or its error.
void respond_with(ApiContext& ctx, http::Responder respond, std::function<nlohmann::json(store::DbConn&)> work,
                  int status = 200);

// Looks up the session cookie, then calls `then` with the agent (on a database thread).
// Answers 401 itself when there is no valid session.
void with_agent(ApiContext& ctx, const http::Request& request, http::Responder respond,
                std::function<void(const auth::AgentRecord&, http::Responder)> then);

// Admin-only work: throws 403 unless the agent's role is admin. The role comes with the session
// lookup on every request, so a changed role applies to the next call.
void require_admin(const auth::AgentRecord& agent);

std::int64_t path_id(const http::Request& request, const char* name = "id");

// A route served by a named handler function.
using ApiHandler = std::function<void(ApiContext&, const http::Request&, http::Responder)>;
void add_route(http::Router& router, ApiContext& ctx, const char* method, const char* path, ApiHandler handler,
               std::size_t body_limit = http::kDefaultBodyLimit);

}  // namespace parley::api
