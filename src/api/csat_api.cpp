// CSAT over HTTP: the emailed survey link's page (GET/POST /csat/<token>, no login; the token
// is the credential and is kept out of the logs by the transport, see net/request_conversion.cpp)
// and the agents' report (GET /api/reports/csat).
#include <algorithm>

#include "csat_page.hpp"
#include "helpers.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/conversation/csat.hpp"
#include "parley/conversation/csat_report.hpp"

namespace parley::api {
namespace {

using conversation::AnswerOutcome;
using conversation::LinkSurvey;

constexpr int kDefaultRatings = 50;
constexpr int kMaxRatings = 200;
constexpr int kMaxOffset = 10000;

http::Response page(int status, const std::string& html) {
  http::Response res;
  res.status = status;
  res.content_type = "text/html; charset=utf-8";
  res.body = html;
  // No script, no images, nothing framed; the path holds the token: no Referer, no caches.
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("Cache-Control", "no-store");
  res.headers.emplace_back("X-Robots-Tag", "noindex");
  return res;
}

http::Response not_found_page() {
  return page(404, render_csat_page(CsatPage::NotFound));
}

// auth::random_token(): 43 characters of base64url. Anything else is answered without a lookup.
bool plausible_token(const std::string& token) {
  if (token.size() != 43) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

http::Response page_for(const LinkSurvey& survey, const std::string& action, std::optional<int> preselected,
                        const std::string& error = {}) {
  switch (survey.state) {
    case LinkSurvey::State::Answered:
      return page(200, render_csat_page(CsatPage::Answered));
    case LinkSurvey::State::Expired:
      return page(410, render_csat_page(CsatPage::Expired));
    case LinkSurvey::State::Open:
      break;
  }
  return page(error.empty() ? 200 : 400, render_csat_page(CsatPage::Ask, action, preselected, error));
}

std::optional<int> rating_param(const std::string& value) {
  if (value.size() == 1 && value[0] >= '1' && value[0] <= '5') return value[0] - '0';
  return std::nullopt;
}

// GET: shows the faces (the email's face links preselect one); never records anything, so a
// mail scanner that follows the links changes nothing.
void show_survey(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  std::string token = request.params.at("token");
  if (!plausible_token(token)) return respond(not_found_page());
  std::string digest = auth::token_digest(token);
  std::string action = request.path;
  std::optional<int> preselected = rating_param(request.query_param("rating"));
  ctx.pool.run<std::optional<LinkSurvey>>(
      [digest](store::DbConn& conn) {
        pqxx::read_transaction txn(conn.raw());
        return conversation::survey_by_link(conn, txn, digest);
      },
      [respond, action, preselected](Outcome<std::optional<LinkSurvey>> r) {
        if (!r.ok()) return respond(http::Response::error(r.error()));
        if (!r.value()) return respond(not_found_page());
        respond(page_for(*r.value(), action, preselected));
      });
}

// POST rating=1..5&comment=…: records once; a replay says it was answered.
void answer_survey(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  std::string token = request.params.at("token");
  if (!plausible_token(token)) return respond(not_found_page());
  // application/x-www-form-urlencoded: the query string's syntax, with '+' for spaces.
  http::Request form;
  form.query = request.body;
  std::replace(form.query.begin(), form.query.end(), '+', ' ');
  for (std::size_t at = 0; (at = form.query.find(' ', at)) != std::string::npos;) form.query.replace(at, 1, "%20");
  std::optional<int> rating = rating_param(form.query_param("rating"));
  std::string digest = auth::token_digest(token);
  std::string action = request.path;
  std::optional<conversation::CsatAnswer> answer;
  std::string problem;
  if (!rating) {
    problem = "Please choose one of the five faces.";
  } else {
    try {
      answer = conversation::validated_answer(*rating, form.query_param("comment"));
    } catch (const ApiError& e) {
      problem = e.what();
    }
  }
  auto& conversations = ctx.conversations;
  struct Done {
    std::optional<AnswerOutcome> outcome;  // none: not recorded (the form is shown again)
    std::optional<LinkSurvey> survey;
  };
  ctx.pool.run<Done>(
      [&conversations, digest, answer](store::DbConn& conn) {
        Done done;
        if (answer) done.outcome = conversations.answer_csat_link(conn, digest, *answer);
        if (done.outcome == AnswerOutcome::Recorded) return done;
        pqxx::read_transaction txn(conn.raw());
        done.survey = conversation::survey_by_link(conn, txn, digest);
        return done;
      },
      [respond, action, rating, problem](Outcome<Done> r) {
        if (!r.ok()) return respond(http::Response::error(r.error()));
        const Done& done = r.value();
        if (done.outcome == AnswerOutcome::Recorded) return respond(page(200, render_csat_page(CsatPage::Thanks)));
        if (!done.survey) return respond(not_found_page());
        respond(page_for(*done.survey, action, rating, problem));
      });
}

int bounded_int(const std::string& value, const char* field, int fallback, int max) {
  if (value.empty()) return fallback;
  if (value.size() > 9 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError::invalid_field(std::string(field) + " must be a non-negative integer");
  }
  return std::min(std::stoi(value), max);
}

// An ISO-8601 date or date-time ("2026-12-01", "2026-12-01T10:00:00Z"): checked here so that
// PostgreSQL's wider syntax ("today", "epoch") is not part of the API.
std::string time_param(const http::Request& request, const char* field) {
  std::string v = request.query_param(field);
  if (v.empty()) return v;
  bool ok = v.size() >= 10 && v.size() <= 35 && v[4] == '-' && v[7] == '-';
  for (std::size_t i = 0; ok && i < v.size(); ++i) {
    char c = v[i];
    ok = (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '.' || c == '+' || c == 'T' || c == 'Z';
    if (i < 10 && i != 4 && i != 7) ok = ok && c >= '0' && c <= '9';
  }
  if (!ok) throw ApiError::invalid_field(std::string(field) + " must be an ISO-8601 date or time");
  return v;
}

void csat_report(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord&, http::Responder respond) {
    conversation::CsatReportQuery q;
    q.from = time_param(request, "from");
    q.to = time_param(request, "to");
    std::string agent = request.query_param("agentId");
    if (!agent.empty()) {
      q.agent_id = bounded_int(agent, "agentId", 0, 999999999);
      if (q.agent_id == 0) throw ApiError::invalid_field("agentId must be an agent's id");
    }
    q.limit = std::max(1, bounded_int(request.query_param("limit"), "limit", kDefaultRatings, kMaxRatings));
    q.offset = bounded_int(request.query_param("offset"), "offset", 0, kMaxOffset);
    respond_with(ctx, respond,
                 [q](store::DbConn& conn) { return nlohmann::json::parse(conversation::csat_report(conn, q)); });
  });
}

}  // namespace

void register_csat_routes(http::Router& router, ApiContext& ctx) {
  add_route(router, ctx, "GET", "/csat/:token", show_survey);
  add_route(router, ctx, "POST", "/csat/:token", answer_survey);
  add_route(router, ctx, "GET", "/api/reports/csat", csat_report);
}

}  // namespace parley::api
