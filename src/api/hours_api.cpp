// Business hours over REST (docs/INBOX.md, Hours; docs/PROTOCOL.md):
//   GET    /api/hours        the schedule, whether the team is open now, the expected reply time (agents)
//   PUT    /api/hours        set the schedule (admins); applied at once in every process
//   DELETE /api/hours        no schedule: always open, as before (admins)
//   GET    /api/hours/zones  the time zones the server knows (agents)
#include "helpers.hpp"
#include "parley/hours/business_hours.hpp"
#include "parley/hours/hours_store.hpp"
#include "parley/hours/schedule_json.hpp"

namespace parley::api {
namespace {

constexpr std::size_t kMaxBodyBytes = 64 * 1024;

nlohmann::json hours_json(const hours::BusinessHours& live) {
  auto schedule = live.schedule();
  auto reply = live.reply_time();
  return {{"hours", schedule ? hours::to_json(*schedule) : nlohmann::json()},
          {"state", hours::to_json(live.state_now())},
          {"replyTime", reply ? nlohmann::json(*reply) : nlohmann::json()}};
}

void get_hours(ApiContext& ctx, hours::BusinessHours& live, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&live](const auth::AgentRecord&, http::Responder respond) {
    respond(http::Response::json(200, hours_json(live)));
  });
}

void put_hours(ApiContext& ctx, hours::BusinessHours& live, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  if (request.body.size() > kMaxBodyBytes) throw ApiError(413, "too_large", "The schedule is too large");
  auto body = parse_json_body(request);
  with_agent(ctx, request, respond, [&ctx, &live, body](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    hours::Schedule schedule;
    try {
      schedule = hours::parse_schedule(body.contains("hours") ? body["hours"] : body);
    } catch (const hours::ScheduleError& e) {
      throw ApiError(400, "invalid_field", e.what());
    }
    std::int64_t agent_id = agent.id;
    // The reply time is counted in the new hours, here, so the answer already carries it.
    ctx.pool.run<std::optional<std::string>>(
        [schedule, agent_id](store::DbConn& conn) -> std::optional<std::string> {
          pqxx::work txn(conn.raw());
          hours::save_schedule(conn, txn, schedule, agent_id);
          auto median = hours::median_response(schedule, hours::recent_first_responses(conn, txn));
          txn.commit();
          if (!median) return std::nullopt;
          return hours::reply_words(*median);
        },
        [&live, schedule, respond](Outcome<std::optional<std::string>> r) mutable {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          live.set(std::move(schedule), r.value());
          respond(http::Response::json(200, hours_json(live)));
        });
  });
}

void delete_hours(ApiContext& ctx, hours::BusinessHours& live, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &live](const auth::AgentRecord& agent, http::Responder respond) {
    require_admin(agent);
    ctx.pool.run<bool>(
        [](store::DbConn& conn) {
          pqxx::work txn(conn.raw());
          hours::clear_schedule(conn, txn);
          txn.commit();
          return true;
        },
        [&live, respond](Outcome<bool> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          live.set(std::nullopt, std::nullopt);
          respond(http::Response::json(200, hours_json(live)));
        });
  });
}

void zones(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [](const auth::AgentRecord&, http::Responder respond) {
    static const nlohmann::json doc = {{"zones", hours::zone_names()}};  // tzdata is read once
    respond(http::Response::json(200, doc));
  });
}

}  // namespace

void register_hours_routes(http::Router& router, ApiContext& ctx, hours::BusinessHours& live) {
  add_route(router, ctx, "GET", "/api/hours", [&live](ApiContext& c, const http::Request& r, http::Responder p) {
    get_hours(c, live, r, std::move(p));
  });
  add_route(router, ctx, "PUT", "/api/hours", [&live](ApiContext& c, const http::Request& r, http::Responder p) {
    put_hours(c, live, r, std::move(p));
  });
  add_route(router, ctx, "DELETE", "/api/hours", [&live](ApiContext& c, const http::Request& r, http::Responder p) {
    delete_hours(c, live, r, std::move(p));
  });
  add_route(router, ctx, "GET", "/api/hours/zones", zones);
}

}  // namespace parley::api
