// The team and profile routes (docs/PROTOCOL.md, "Team and profile"): admins manage agents;
// every agent reads and writes their notification preferences; the invitation page checks and
// accepts a one-time link. Thin: parse, call team/auth, render.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "helpers.hpp"
#include "parley/api/team_routes.hpp"
#include "parley/auth/agent_preferences.hpp"
#include "parley/team/team_admin.hpp"

namespace parley::api {
namespace {

// Every inbox, in every process, reloads its Team page when it shows it (ephemeral: a tab that
// misses it sees the change at its next load).
void tell_team_changed(ApiContext& ctx) { ctx.chat->broadcast(R"({"type":"team"})", 0, true); }

// Bodies of these routes are small: anything bigger is refused before it is parsed.
constexpr std::size_t kMaxBody = 4096;

// Bounds, in this process's memory: the public link routes per client address (a token is
// 256 random bits, so this only keeps the page from being hammered), and admin and profile
// writes per agent (invitations send email).
struct TeamLimits {
  SlidingWindowLimit links_by_address{30, std::chrono::minutes(1)};
  SlidingWindowLimit writes_by_agent{60, std::chrono::minutes(1)};
  SlidingWindowLimit emails_by_agent{30, std::chrono::hours(1)};
};

nlohmann::json small_body(const http::Request& request) {
  if (request.body.size() > kMaxBody) throw ApiError(413, "too_large", "The body is too large");
  return parse_json_body(request);
}

std::string string_field(const nlohmann::json& body, const char* field, std::size_t max) {
  if (!body.contains(field) || !body[field].is_string()) throw ApiError::invalid_field(std::string(field) + " is required");
  std::string s = body[field].get<std::string>();
  if (s.size() > max) throw ApiError::invalid_field(std::string(field) + " is too long");
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void limit(SlidingWindowLimit& window, const std::string& key, const char* what) {
  if (!window.try_acquire(key)) {
    throw ApiError(429, "too_many_requests", std::string("Too many ") + what + "; retry later");
  }
}

bool email_configured(const ApiContext& ctx) { return !ctx.config.resend_api_key.empty(); }

// An issued link as the admin sees it: the URL itself only when email is not configured
// (emails only go to the log, which never holds the token) — shown once, never stored.
nlohmann::json issued(const ApiContext& ctx, const team::IssuedLink& link) {
  nlohmann::json out{{"agent", link.agent}, {"purpose", link.purpose}, {"expiresAt", link.expires_at},
                     {"emailConfigured", email_configured(ctx)}};
  if (!email_configured(ctx)) out["link"] = link.url;
  return out;
}

// Runs `then` for an admin whose write is within its limit.
void as_admin(ApiContext& ctx, const http::Request& request, http::Responder respond, std::shared_ptr<TeamLimits> limits,
              std::function<void(const auth::AgentRecord&, http::Responder)> then) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [limits, then = std::move(then)](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    limit(limits->writes_by_agent, std::to_string(agent.id), "changes to the team");
    then(agent, respond);
  });
}

void list_team(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    bool configured = email_configured(ctx);
    respond_with(ctx, respond, [configured](store::DbConn& conn) {
      return nlohmann::json{{"agents", team::list_team(conn)}, {"emailConfigured", configured}};
    });
  });
}

void invite(ApiContext& ctx, const http::Request& request, http::Responder respond, std::shared_ptr<TeamLimits> limits) {
  auto body = small_body(request);
  std::string email = lower(string_field(body, "email", 320));
  std::string name = string_field(body, "name", 1000);
  std::string role = body.contains("role") ? string_field(body, "role", 20) : "agent";
  as_admin(ctx, request, respond, limits, [&ctx, limits, email, name, role](const auth::AgentRecord& agent, http::Responder respond) {
    limit(limits->emails_by_agent, std::to_string(agent.id), "invitations and resets");
    team::Admin by{agent.id, agent.name};
    std::string origin = ctx.public_origin;
    ctx.pool.run<team::IssuedLink>(
        [by, email, name, role, origin](store::DbConn& conn) { return team::invite_agent(conn, by, email, name, role, origin); },
        [&ctx, respond, email, by](Outcome<team::IssuedLink> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          spdlog::info("agent {} invited by agent {}", email, by.id);
          tell_team_changed(ctx);
          respond(http::Response::json(201, issued(ctx, r.value())));
        });
  });
}

void send_link(ApiContext& ctx, const http::Request& request, http::Responder respond, std::shared_ptr<TeamLimits> limits) {
  std::int64_t id = path_id(request);
  as_admin(ctx, request, respond, limits, [&ctx, limits, id](const auth::AgentRecord& agent, http::Responder respond) {
    limit(limits->emails_by_agent, std::to_string(agent.id), "invitations and resets");
    team::Admin by{agent.id, agent.name};
    std::string origin = ctx.public_origin;
    ctx.pool.run<team::IssuedLink>(
        [by, id, origin](store::DbConn& conn) { return team::issue_link(conn, by, id, origin); },
        [&ctx, respond, id, by](Outcome<team::IssuedLink> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          spdlog::info("{} link for agent {} issued by agent {}", r.value().purpose, id, by.id);
          tell_team_changed(ctx);
          respond(http::Response::json(200, issued(ctx, r.value())));
        });
  });
}

// Disabling ends the agent's sessions in the same transaction, then closes their sockets in
// every process (the cluster's NOTIFY): their tabs go to the login screen at once.
void set_disabled(ApiContext& ctx, const http::Request& request, http::Responder respond,
                  std::shared_ptr<TeamLimits> limits, bool disabled) {
  std::int64_t id = path_id(request);
  as_admin(ctx, request, respond, limits, [&ctx, id, disabled](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t by = agent.id;
    ctx.pool.run<nlohmann::json>(
        [id, disabled](store::DbConn& conn) { return team::set_agent_disabled(conn, id, disabled); },
        [&ctx, respond, id, disabled, by](Outcome<nlohmann::json> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          spdlog::info("agent {} {} by agent {}", id, disabled ? "disabled" : "enabled", by);
          if (disabled) ctx.chat->close_agent(id);
          ctx.chat->local_presence_changed(false);  // every inbox gets the new agents list
          tell_team_changed(ctx);
          respond(http::Response::json(200, {{"agent", r.value()}}));
        });
  });
}

void change_role(ApiContext& ctx, const http::Request& request, http::Responder respond, std::shared_ptr<TeamLimits> limits) {
  std::int64_t id = path_id(request);
  auto body = small_body(request);
  std::string role = string_field(body, "role", 20);
  as_admin(ctx, request, respond, limits, [&ctx, id, role](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t by = agent.id;
    ctx.pool.run<nlohmann::json>(
        [id, role](store::DbConn& conn) { return team::set_agent_role(conn, id, role); },
        [&ctx, respond, id, role, by](Outcome<nlohmann::json> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          spdlog::info("agent {} made {} by agent {}", id, role, by);
          ctx.chat->local_presence_changed(false);
          tell_team_changed(ctx);
          respond(http::Response::json(200, {{"agent", r.value()}}));
        });
  });
}

// The invitation page's calls: no session; the token is in the body, never in the URL.
void check_link(ApiContext& ctx, const http::Request& request, http::Responder respond, std::shared_ptr<TeamLimits> limits) {
  check_same_origin(request, ctx);
  if (limited_address(request.remote_address)) limit(limits->links_by_address, request.remote_address, "attempts");
  auto body = small_body(request);
  std::string token = string_field(body, "token", 100);
  respond_with(ctx, respond, [token](store::DbConn& conn) { return nlohmann::json{{"link", team::check_link(conn, token)}}; });
}

void accept_link(ApiContext& ctx, const http::Request& request, http::Responder respond, std::shared_ptr<TeamLimits> limits) {
  check_same_origin(request, ctx);
  if (limited_address(request.remote_address)) limit(limits->links_by_address, request.remote_address, "attempts");
  auto body = small_body(request);
  std::string token = string_field(body, "token", 100);
  std::string password = string_field(body, "password", 256);
  ctx.pool.run<std::int64_t>(
      [token, password](store::DbConn& conn) { return team::accept_link(conn, token, password); },
      [&ctx, respond](Outcome<std::int64_t> r) {
        if (!r.ok()) return respond(http::Response::error(r.error()));
        spdlog::info("agent {} set their password with a one-time link", r.value());
        ctx.chat->close_agent(r.value());  // a reset ends every session; their sockets close too
        ctx.chat->local_presence_changed(false);
        tell_team_changed(ctx);  // an invitation accepted: Invited becomes Active
        respond(http::Response::no_content());
      });
}

void read_preferences(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t id = agent.id;
    respond_with(ctx, respond, [id](store::DbConn& conn) {
      return nlohmann::json{{"preferences", auth::notification_preferences(conn, id)}};
    });
  });
}

void write_preferences(ApiContext& ctx, const http::Request& request, http::Responder respond,
                       std::shared_ptr<TeamLimits> limits) {
  check_same_origin(request, ctx);
  auto body = small_body(request);
  with_agent(ctx, request, respond, [&ctx, limits, body](const auth::AgentRecord& agent, http::Responder respond) {
    limit(limits->writes_by_agent, std::to_string(agent.id), "changes");
    std::int64_t id = agent.id;
    respond_with(ctx, respond, [id, body](store::DbConn& conn) {
      return nlohmann::json{{"preferences", auth::set_notification_preferences(conn, id, body)}};
    });
  });
}

}  // namespace

void register_team_routes(http::Router& router, ApiContext& ctx) {
  auto limits = std::make_shared<TeamLimits>();
  auto with = [limits](auto fn) {
    return [limits, fn](ApiContext& c, const http::Request& r, http::Responder respond) { fn(c, r, respond, limits); };
  };
  add_route(router, ctx, "GET", "/api/team", list_team);
  add_route(router, ctx, "POST", "/api/team/invitations", with(invite));
  add_route(router, ctx, "POST", "/api/team/:id/link", with(send_link));
  add_route(router, ctx, "POST", "/api/team/:id/disable",
            with([](ApiContext& c, const http::Request& r, http::Responder respond, std::shared_ptr<TeamLimits> l) {
              set_disabled(c, r, respond, l, true);
            }));
  add_route(router, ctx, "POST", "/api/team/:id/enable",
            with([](ApiContext& c, const http::Request& r, http::Responder respond, std::shared_ptr<TeamLimits> l) {
              set_disabled(c, r, respond, l, false);
            }));
  add_route(router, ctx, "PATCH", "/api/team/:id", with(change_role));
  add_route(router, ctx, "POST", "/api/invitations/check", with(check_link));
  add_route(router, ctx, "POST", "/api/invitations/accept", with(accept_link));
  add_route(router, ctx, "GET", "/api/me/preferences", read_preferences);
  add_route(router, ctx, "PUT", "/api/me/preferences", with(write_preferences));
}

}  // namespace parley::api
