// The FAQ bot over REST (docs/BOT.md, docs/PROTOCOL.md):
//   POST /api/visitors/bot-choice  the visitor's choice on the bot's answer (visitor token)
//   GET  /api/reports/deflection   resolved by the bot vs. handed to people, per day (agents)
#include <algorithm>

#include "helpers.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/auth/visitor_identity.hpp"
#include "parley/bot/bot.hpp"

namespace parley::api {
namespace {

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 365;

// {"conversationId": N, "choice": "answered" | "person"} with Authorization: Bearer <visitorToken>.
// Called by the chat frame, which Parley serves itself: same origin, no CORS.
void bot_choice(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  if (!ctx.bot) throw ApiError::not_found("The bot is not running");
  std::string auth = request.header("authorization");
  if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7 || auth.size() > 200) {
    throw ApiError::unauthenticated("A visitor token is required (Authorization: Bearer)");
  }
  std::string digest = auth::token_digest(auth.substr(7));
  auto body = parse_json_body(request);
  if (!body.contains("conversationId") || !body["conversationId"].is_number_integer()) {
    throw ApiError::invalid_field("conversationId must be a conversation's id");
  }
  std::string choice = body.value("choice", "");
  if (choice != "answered" && choice != "person") throw ApiError::invalid_field("choice must be answered or person");
  std::int64_t id = body["conversationId"].get<std::int64_t>();
  bot::Bot* b = ctx.bot;
  auto how = choice == "answered" ? bot::Choice::Answered : bot::Choice::Person;
  respond_with(ctx, respond, [b, digest, id, how](store::DbConn& conn) {
    std::int64_t visitor_id = 0;
    {
      pqxx::work txn(conn.raw());  // the lookup records the visitor as seen
      auto visitor = auth::visitor_for_token(conn, txn, digest);
      if (!visitor) throw ApiError(401, "bad_token", "Unknown visitor token");
      visitor_id = visitor->visitor_id;
      txn.commit();
    }
    auto r = b->choose(conn, visitor_id, id, how);
    // The visitor's view of it: no agent or visitor details.
    return nlohmann::json{{"conversation", {{"id", id}, {"status", r.status}, {"bot", std::string(to_string(r.state))}}},
                          {"changed", r.changed}};
  });
}

void deflection(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  int days = kDefaultDays;
  if (auto d = request.query_param("days"); !d.empty()) {
    if (d.size() > 3 || !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(d) < 1 || std::stoi(d) > kMaxDays) {
      throw ApiError::invalid_field("days must be a whole number from 1 to 365");
    }
    days = std::stoi(d);
  }
  bool enabled = ctx.bot && ctx.bot->enabled();
  with_agent(ctx, request, respond, [&ctx, days, enabled](const auth::AgentRecord&, http::Responder respond) {
    respond_with(ctx, respond, [days, enabled](store::DbConn& conn) {
      auto out = nlohmann::json::parse(conversation::deflection_report(conn, days));
      out["bot"] = enabled ? "on" : "off";
      return out;
    });
  });
}

}  // namespace

void register_bot_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "POST", "/api/visitors/bot-choice", bot_choice);
  add_route(router, ctx, "GET", "/api/reports/deflection", deflection);
}

}  // namespace parley::api
