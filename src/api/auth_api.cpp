#include <spdlog/spdlog.h>

#include "helpers.hpp"
#include "parley/auth/login_attempts.hpp"

namespace parley::api {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string string_field(const nlohmann::json& body, const char* field, std::size_t max) {
  if (!body.contains(field) || !body[field].is_string()) throw ApiError::invalid_field(std::string(field) + " is required");
  std::string s = body[field].get<std::string>();
  if (s.size() > max) throw ApiError::invalid_field(std::string(field) + " is too long");
  return s;
}

http::Response throttled(const std::string& email, const std::string& address, int retry_after_seconds) {
  spdlog::warn("login throttled for {} from {}: retry after {} s", email, address, retry_after_seconds);
  auto res = http::Response::json(
      429, {{"error",
             {{"code", "too_many_requests"},
              {"message", "Too many failed logins; retry in " + std::to_string(retry_after_seconds) + " s"}}}});
  res.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return res;
}

// POST /api/auth/login {"email","password"}: parses, runs auth::throttled_login (the shared
// throttling judges the attempt before any password is checked; docs/OPERATIONS.md, "Abuse
// limits") and renders 200 with the session cookie, 401, or 429 with Retry-After.
void login(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  auto body = parse_json_body(request);
  std::string email = lower(string_field(body, "email", 320));
  std::string password = string_field(body, "password", 256);
  std::string address = request.remote_address;
  bool secure = request.secure;
  ctx.pool.run<auth::ThrottledLogin>(
      [email, password, address](store::DbConn& conn) { return auth::throttled_login(conn, address, email, password); },
      [&ctx, respond, email, address, secure](Outcome<auth::ThrottledLogin> r) {
        if (!r.ok()) return respond(http::Response::error(r.error()));
        const auth::ThrottledLogin& result = r.value();
        if (result.retry_after_seconds > 0) return respond(throttled(email, address, result.retry_after_seconds));
        if (!result.login) {
          spdlog::info("failed login for {} from {}", email, address);
          return respond(http::Response::error(ApiError(401, "bad_credentials", "Wrong email or password")));
        }
        auto res = http::Response::json(200, {{"agent", result.login->agent.doc}});
        res.headers.emplace_back("Set-Cookie", session_cookie(result.login->session_token, ctx, secure));
        res.headers.emplace_back("Cache-Control", "no-store");
        respond(std::move(res));
      });
}

// Runs `work` (which ends every session of the agent in the database), then closes the
// agent's sockets at once and answers 204 with the cookie cleared.
void end_sessions_then_respond(ApiContext& ctx, http::Responder respond, std::int64_t agent_id, bool secure,
                               std::function<void(store::DbConn&)> work) {
  ctx.pool.run<Unit>(
      [work = std::move(work)](store::DbConn& conn) {
        work(conn);
        return Unit{};
      },
      [&ctx, respond, agent_id, secure](Outcome<Unit> r) {
        if (!r.ok()) return respond(http::Response::error(r.error()));
        ctx.chat->close_agent(agent_id);
        auto res = http::Response::no_content();
        res.headers.emplace_back("Set-Cookie", clear_session_cookie(ctx, secure));
        respond(std::move(res));
      });
}

// PATCH /api/me {"name": "..."}: the agent renames themself. Parses, calls rename_agent,
// renders the Agent; then every inbox gets the new agents list (the inbox then renews its
// socket, whose replies carry the name it had when it connected).
void rename_me(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    auto body = parse_json_body(request);
    std::string name = string_field(body, "name", 1000);
    std::int64_t id = agent.id;
    ctx.pool.run<nlohmann::json>(
        [id, name](store::DbConn& conn) {
          pqxx::work txn(conn.raw());
          auto renamed = auth::rename_agent(conn, txn, id, name);
          txn.commit();
          return renamed.doc;
        },
        [&ctx, respond](Outcome<nlohmann::json> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          ctx.chat->local_presence_changed(false);
          respond(http::Response::json(200, {{"agent", r.value()}}));
        });
  });
}

}  // namespace

void register_auth_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "POST", "/api/auth/login", login);

  router.add("POST", "/api/auth/logout", [&ctx](const http::Request& request, http::Responder respond) {
    check_same_origin(request, ctx);
    bool secure = request.secure;
    with_agent(ctx, request, respond, [&ctx, secure](const auth::AgentRecord& agent, http::Responder respond) {
      std::int64_t id = agent.id;
      end_sessions_then_respond(ctx, respond, id, secure, [id](store::DbConn& conn) { auth::end_sessions(conn, id); });
    });
  });

  router.add("GET", "/api/me", [&ctx](const http::Request& request, http::Responder respond) {
    with_agent(ctx, request, respond, [](const auth::AgentRecord& agent, http::Responder respond) {
      auto res = http::Response::json(200, {{"agent", agent.doc}});
      res.headers.emplace_back("Cache-Control", "no-store");
      respond(std::move(res));
    });
  });

  router.add("PATCH", "/api/me",
             [&ctx](const http::Request& request, http::Responder respond) { rename_me(ctx, request, respond); });

  router.add("POST", "/api/me/password", [&ctx](const http::Request& request, http::Responder respond) {
    check_same_origin(request, ctx);
    bool secure = request.secure;
    with_agent(ctx, request, respond, [&ctx, request, secure](const auth::AgentRecord& agent, http::Responder respond) {
      auto body = parse_json_body(request);
      std::string current = string_field(body, "current", 256);
      std::string next = string_field(body, "password", 256);
      std::int64_t id = agent.id;
      end_sessions_then_respond(ctx, respond, id, secure,
                                [id, current, next](store::DbConn& conn) { auth::change_password(conn, id, current, next); });
    });
  });

  router.add("POST", "/api/me/status", [&ctx](const http::Request& request, http::Responder respond) {
    check_same_origin(request, ctx);
    with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
      auto body = parse_json_body(request);
      std::string status = body.value("status", "");
      if (status != "online" && status != "away") throw ApiError::invalid_field("status must be online or away");
      std::int64_t id = agent.id;
      auto doc = agent.doc;
      ctx.pool.run<Unit>(
          [id, status](store::DbConn& conn) {
            auth::set_presence(conn, id, status);
            return Unit{};
          },
          [&ctx, respond, id, status, doc](Outcome<Unit> r) mutable {
            if (!r.ok()) return respond(http::Response::error(r.error()));
            ctx.chat->set_agent_online(id, status == "online");
            doc["status"] = status;
            respond(http::Response::json(200, {{"agent", doc}}));
          });
    });
  });

  router.add("GET", "/api/agents", [&ctx](const http::Request& request, http::Responder respond) {
    with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord&, http::Responder respond) {
      auto& roster = ctx.roster;
      respond_with(ctx, respond, [&roster](store::DbConn& conn) { return nlohmann::json{{"agents", roster.agents(conn)}}; });
    });
  });
}

}  // namespace parley::api
