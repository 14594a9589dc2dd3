// The agents' inbox over REST (original paths kept). Every route needs a session. Each
// handler parses the request, calls the conversation's room (or its reads), and renders.
#include "helpers.hpp"
#include "parley/conversation/conversation_store.hpp"
#include "parley/conversation/conversations.hpp"
#include "parley/mail/outbox.hpp"

namespace parley::api {
namespace {

using conversation::Action;
using conversation::ChangeRequest;
using conversation::ChangeResult;
using conversation::InboxQuery;
using conversation::Status;

constexpr int kDefaultPage = 25;
constexpr int kMaxPage = 100;

std::int64_t parse_number(const std::string& s, const char* field) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError::invalid_field(std::string(field) + " must be a non-negative integer");
  }
  return std::stoll(s);
}

std::vector<Status> parse_statuses(const std::string& param) {
  if (param.empty()) return {Status::Open, Status::Assigned};
  std::vector<Status> out;
  std::size_t start = 0;
  for (;;) {
    auto comma = param.find(',', start);
    auto status = conversation::parse_status(param.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!status) throw ApiError::invalid_field("status must be OPEN, ASSIGNED or RESOLVED (comma-separated)");
    out.push_back(*status);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

InboxQuery parse_inbox_query(const http::Request& request, std::int64_t me) {
  InboxQuery q;
  q.statuses = parse_statuses(request.query_param("status"));
  std::string assigned = request.query_param("assignedTo");
  if (assigned == "me") q.assignee_kind = InboxQuery::Assignee::Agent, q.assignee = me;
  else if (assigned == "none") q.assignee_kind = InboxQuery::Assignee::Nobody;
  else if (!assigned.empty()) q.assignee_kind = InboxQuery::Assignee::Agent, q.assignee = parse_number(assigned, "assignedTo");
  if (auto label = request.query_param("label"); !label.empty()) q.label = parse_number(label, "label");  // labels
  q.limit = kDefaultPage;
  if (auto limit = request.query_param("limit"); !limit.empty()) {
    q.limit = static_cast<int>(std::clamp<std::int64_t>(parse_number(limit, "limit"), 1, kMaxPage));
  }
  if (auto cursor = request.query_param("cursor"); !cursor.empty()) {
    auto dot = cursor.find('.');
    if (dot == std::string::npos) throw ApiError::invalid_field("cursor is malformed");
    q.cursor_time = parse_number(cursor.substr(0, dot), "cursor");
    q.cursor_id = parse_number(cursor.substr(dot + 1), "cursor");
  }
  return q;
}

nlohmann::json render_inbox_page(const conversation::InboxPage& page) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& doc : page.conversation_docs) list.push_back(nlohmann::json::parse(doc));
  return {{"conversations", list},
          {"nextCursor", page.next_cursor ? nlohmann::json(*page.next_cursor) : nlohmann::json()},
          {"counts",
           {{"open", page.counts.open},
            {"mine", page.counts.mine},
            {"unassigned", page.counts.unassigned},
            {"resolved", page.counts.resolved}}}};
}

// A change that did not apply: 409 with the reason and the conversation as it is now, so the
// inbox shows the truth (and, when a colleague has it, who) without another request.
http::Response render_refusal(const ChangeResult& result) {
  auto conversation = nlohmann::json::parse(result.conversation_doc);
  nlohmann::json error = {{"code", result.code}, {"message", result.reason}};
  if (result.code == "assigned" && conversation.contains("assignedTo") && conversation["assignedTo"].is_object()) {
    error["assignedTo"] = conversation["assignedTo"];
    error["message"] = conversation["assignedTo"].value("name", "A colleague") + " has this conversation";
  }
  return http::Response::json(409, {{"error", error}, {"conversation", conversation}});
}

http::Response render_change(const ChangeResult& result) {
  if (result.kind == ChangeResult::Kind::Refused) return render_refusal(result);
  http::Response res;
  res.body = R"({"conversation":)" + result.conversation_doc + "}";
  return res;
}

// {"agentId": N, "takeOver": bool?, "version": N?}: without takeOver only an unassigned
// conversation is assigned; `version`, when given, must be the one the agent saw.
ChangeRequest parse_assign(const http::Request& request, std::int64_t id) {
  auto body = parse_json_body(request);
  if (!body.contains("agentId") || !body["agentId"].is_number_integer()) throw ApiError::invalid_field("agentId must be an agent's id");
  ChangeRequest change{id, Action::Assign, body["agentId"].get<std::int64_t>(), std::nullopt};
  if (body.contains("takeOver")) {
    if (!body["takeOver"].is_boolean()) throw ApiError::invalid_field("takeOver must be true or false");
    if (body["takeOver"].get<bool>()) change.action = Action::TakeOver;
  }
  if (body.contains("version") && !body["version"].is_null()) {
    if (!body["version"].is_number_integer()) throw ApiError::invalid_field("version must be an integer");
    change.seen_version = body["version"].get<std::int64_t>();
  }
  return change;
}

void run_change(ApiContext& ctx, const http::Request& request, http::Responder respond, Action action) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request, action](const auth::AgentRecord&, http::Responder respond) {
    std::int64_t id = path_id(request);
    ChangeRequest change = action == Action::Assign ? parse_assign(request, id) : ChangeRequest{id, action, 0, std::nullopt};
    auto& conversations = ctx.conversations;
    ctx.pool.run<ChangeResult>([&conversations, change](store::DbConn& conn) { return conversations.change(conn, change); },
                               [respond](Outcome<ChangeResult> r) {
                                 respond(r.ok() ? render_change(r.value()) : http::Response::error(r.error()));
                               });
  });
}

void list_inbox(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    InboxQuery q = parse_inbox_query(request, agent.id);
    std::int64_t me = agent.id;
    respond_with(ctx, respond, [q, me](store::DbConn& conn) { return render_inbox_page(conversation::inbox_page(conn, q, me)); });
  });
}

void show_conversation(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t id = path_id(request);
    std::int64_t me = agent.id;
    std::string after_param = request.query_param("after");
    std::int64_t after = after_param.empty() ? 0 : parse_number(after_param, "after");
    respond_with(ctx, respond, [id, after, me](store::DbConn& conn) {
      pqxx::read_transaction txn(conn.raw());
      auto doc = conversation::conversation_doc(conn, txn, id);
      if (!doc) throw ApiError::not_found("No such conversation");
      auto read = conversation::read_state(conn, txn, id, me);  // read receipts, as this agent sees them
      nlohmann::json out = {{"conversation", nlohmann::json::parse(conversation::with_read_state(*doc, read))}, {"messages", nlohmann::json::array()}};
      for (const auto& m : conversation::messages_after(conn, txn, id, after).message_docs) {
        out["messages"].push_back(nlohmann::json::parse(m));
      }
      out["emails"] = mail::conversation_emails(conn, txn, id);  // offline mode: what went out, what failed
      return out;
    });
  });
}

void reply(ApiContext& ctx, const http::Request& request, http::Responder respond) {
  check_same_origin(request, ctx);
  with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
    auto body = parse_json_body(request);
    chat::PendingMessage m;
    m.conversation_id = path_id(request);
    m.sender = "AGENT";
    m.client_id = chat::validated_client_id(body);
    m.body = chat::validated_body(body);
    m.agent_id = agent.id;
    m.agent_name = agent.name;
    ctx.chat->post_message(std::move(m), [respond](Outcome<chat::StoredMessage> r) {
      if (!r.ok()) return respond(http::Response::error(r.error()));
      http::Response res;
      res.status = r.value().inserted ? 201 : 200;
      res.body = R"({"message":)" + r.value().doc + "}";
      respond(std::move(res));
    });
  });
}

}  // namespace

void register_inbox_routes(http::Router& router, ApiContext& ctx) {
  auto change = [&router, &ctx](const char* path, Action action) {
    add_route(router, ctx, "POST", path, [action](ApiContext& ctx, const http::Request& request, http::Responder respond) {
      run_change(ctx, request, std::move(respond), action);
    });
  };
  add_route(router, ctx, "GET", "/api/inbox", list_inbox);
  add_route(router, ctx, "GET", "/api/inbox/:id", show_conversation);
  change("/api/inbox/:id/assign", Action::Assign);  // or TakeOver, as the body says
  change("/api/inbox/:id/unassign", Action::Unassign);
  change("/api/inbox/:id/resolve", Action::Resolve);
  change("/api/inbox/:id/reopen", Action::Reopen);
  add_route(router, ctx, "POST", "/api/inbox/:id/reply", reply);
}

}  // namespace parley::api
