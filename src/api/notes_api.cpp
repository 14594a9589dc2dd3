// Private notes and @mentions over REST (docs/PROTOCOL.md, "Notes and mentions"). Agents only:
// every route needs a session; there is no visitor route and no visitor socket frame for notes.
#include <algorithm>

#include "helpers.hpp"
#include "parley/notes/notes.hpp"

namespace parley::api {
namespace {

constexpr int kDefaultMentionsPage = 50;

std::vector<std::int64_t> parse_mentions(const nlohmann::json& body) {
  if (!body.contains("mentions") || body["mentions"].is_null()) return {};
  const auto& list = body["mentions"];
  if (!list.is_array()) throw ApiError::invalid_field("mentions must be a list of agent ids");
  // Bounded before anything is read from it: a long list is refused, not walked.
  if (list.size() > notes::kMaxMentions * 4) throw ApiError::invalid_field("too many mentions");
  std::vector<std::int64_t> ids;
  for (const auto& id : list) {
    if (!id.is_number_integer()) throw ApiError::invalid_field("mentions must be agent ids");
    ids.push_back(id.get<std::int64_t>());
  }
  return notes::distinct_mentions(ids);
}

std::int64_t query_number(const http::Request& request, const char* name, std::int64_t fallback) {
  std::string s = request.query_param(name);
  if (s.empty()) return fallback;
  if (s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError::invalid_field(std::string(name) + " must be a non-negative integer");
  }
  return std::stoll(s);
}

void add_note(ApiContext& ctx, notes::Notes& notes, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, &notes, request](const auth::AgentRecord& agent, http::Responder respond) {
    auto body = parse_json_body(request);
    notes::NewNote note;
    note.conversation_id = path_id(request);
    note.agent_id = agent.id;
    note.body = chat::validated_body(body);  // the message rule: same size and characters
    note.mentions = parse_mentions(body);
    // Optional, as before it existed; the inbox always sends one, so its retries store once.
    if (body.contains("clientId")) note.client_id = chat::validated_client_id(body);
    ctx.pool.run<notes::Note>([&notes, note](store::DbConn& conn) { return notes.add(conn, note); },
                              [respond](Outcome<notes::Note> r) {
                                if (!r.ok()) return respond(http::Response::error(r.error()));
                                http::Response res;
                                res.status = r.value().repeated ? 200 : 201;  // 200: sent before, stored once
                                res.body = R"({"note":)" + r.value().doc + "}";
                                respond(std::move(res));
                              });
  });
}

void list_notes(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord&, http::Responder respond) {
    std::int64_t id = path_id(request);
    respond_with(ctx, respond, [id](store::DbConn& conn) {
      nlohmann::json out = {{"notes", nlohmann::json::array()}};
      for (const auto& note : notes::conversation_notes(conn, id)) out["notes"].push_back(nlohmann::json::parse(note.doc));
      return out;
    });
  });
}

void list_mentions(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t before = query_number(request, "before", 0);
    std::int64_t limit = query_number(request, "limit", kDefaultMentionsPage);
    if (limit < 1 || limit > notes::kMaxMentionsPage) throw ApiError::invalid_field("limit must be 1-100");
    std::int64_t me = agent.id;
    respond_with(ctx, respond, [me, before, limit](store::DbConn& conn) {
      auto page = notes::mentions_of(conn, me, before, static_cast<int>(limit));
      nlohmann::json out = {{"mentions", nlohmann::json::array()}, {"more", page.more}};
      for (const auto& doc : page.docs) out["mentions"].push_back(nlohmann::json::parse(doc));
      return out;
    });
  });
}

}  // namespace

void register_notes_routes(http::Router& router, ApiContext& ctx, notes::Notes& notes) {
  add_route(router, ctx, "GET", "/api/inbox/:id/notes", list_notes);
  add_route(router, ctx, "POST", "/api/inbox/:id/notes",
            [&notes](ApiContext& ctx, const http::Request& request, http::Responder respond) {
              add_note(ctx, notes, request, std::move(respond));
            });
  add_route(router, ctx, "GET", "/api/mentions", list_mentions);
}

}  // namespace parley::api
