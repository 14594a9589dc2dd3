// The agents' inbox over REST (original paths kept). Every route needs a session.
#include "helpers.hpp"
#include "parley/chat/event_log.hpp"
#include "parley/mail/outbox.hpp"

namespace parley::api {
namespace {

const store::Statement kInboxPage{"inbox_page", R"SQL(
SELECT doc::text, (extract(epoch FROM updated_at) * 1000000)::bigint AS cursor_time, id
FROM conversation_doc
WHERE status = ANY($1::conversation_status[])
  AND ($2 = 'any' OR ($2 = 'none' AND assigned_agent_id IS NULL) OR ($2 = 'agent' AND assigned_agent_id = $3::bigint))
  AND ($4::bigint = 0 OR (updated_at, id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::bigint))
ORDER BY updated_at DESC, id DESC
LIMIT $6)SQL"};
const store::Statement kInboxCounts{"inbox_counts", R"SQL(
SELECT count(*) FILTER (WHERE status <> 'RESOLVED'),
       count(*) FILTER (WHERE status <> 'RESOLVED' AND assigned_agent_id = $1),
       count(*) FILTER (WHERE status = 'OPEN' AND assigned_agent_id IS NULL),
       count(*) FILTER (WHERE status = 'RESOLVED')
FROM conversation)SQL"};
const store::Statement kConversation{"inbox_conversation", "SELECT doc::text FROM conversation_doc WHERE id = $1"};
const store::Statement kMessages{"inbox_messages", R"SQL(
SELECT doc::text FROM message_doc WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT 500)SQL"};
const store::Statement kAgentExists{"inbox_agent_exists", "SELECT 1 FROM agent WHERE id = $1 AND NOT disabled"};
const store::Statement kAssign{"inbox_assign", R"SQL(
UPDATE conversation SET assigned_agent_id = $2, status = 'ASSIGNED', version = version + 1
WHERE id = $1 AND status <> 'RESOLVED' RETURNING id)SQL"};
const store::Statement kUnassign{"inbox_unassign", R"SQL(
UPDATE conversation SET assigned_agent_id = NULL, status = 'OPEN', version = version + 1
WHERE id = $1 AND status <> 'RESOLVED' RETURNING id)SQL"};
const store::Statement kResolve{"inbox_resolve", R"SQL(
UPDATE conversation SET status = 'RESOLVED', version = version + 1, updated_at = now()
WHERE id = $1 AND status <> 'RESOLVED' RETURNING id)SQL"};
const store::Statement kReopen{"inbox_reopen", R"SQL(
UPDATE conversation SET status = 'OPEN', assigned_agent_id = NULL, version = version + 1, updated_at = now()
WHERE id = $1 AND status = 'RESOLVED' RETURNING id)SQL"};
const store::Statement kStatusOf{"inbox_status_of", "SELECT status FROM conversation WHERE id = $1"};

constexpr int kDefaultPage = 25;
constexpr int kMaxPage = 100;

std::string status_array(const std::string& param) {
  if (param.empty()) return "{OPEN,ASSIGNED}";
  std::string out = "{";
  std::size_t start = 0;
  while (start <= param.size()) {
    auto comma = param.find(',', start);
    std::string s = param.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (s != "OPEN" && s != "ASSIGNED" && s != "RESOLVED") {
      throw ApiError::invalid_field("status must be OPEN, ASSIGNED or RESOLVED (comma-separated)");
    }
    out += (out.size() > 1 ? "," : "") + s;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out + "}";
}

std::int64_t parse_number(const std::string& s, const char* field) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError::invalid_field(std::string(field) + " must be a non-negative integer");
  }
  return std::stoll(s);
}

struct PageQuery {
  std::string statuses;
  std::string assignee_kind = "any";  // any | none | agent
  std::int64_t assignee = 0;
  std::int64_t cursor_time = 0;
  std::int64_t cursor_id = 0;
  int limit = kDefaultPage;
};

PageQuery parse_page_query(const http::Request& request, std::int64_t me) {
  PageQuery q;
  q.statuses = status_array(request.query_param("status"));
  std::string assigned = request.query_param("assignedTo");
  if (assigned == "me") q.assignee_kind = "agent", q.assignee = me;
  else if (assigned == "none") q.assignee_kind = "none";
  else if (!assigned.empty()) q.assignee_kind = "agent", q.assignee = parse_number(assigned, "assignedTo");
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

nlohmann::json conversation_doc(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t id) {
  auto r = conn.exec(txn, kConversation, id);
  if (r.empty()) throw ApiError::not_found("No such conversation");
  return nlohmann::json::parse(r[0][0].c_str());
}

// A state change: runs `change` (which returns false when the state did not allow it),
// answers with the conversation and tells every socket concerned.
void change_conversation(ApiContext& ctx, const http::Request& request, http::Responder respond,
                         std::function<bool(store::DbConn&, pqxx::work&, std::int64_t id, std::int64_t agent)> change,
                         const char* refused) {
  check_same_origin(request, ctx);
  std::string refused_message = refused;
  with_agent(ctx, request, respond, [&ctx, request, change, refused_message](const auth::AgentRecord& agent, http::Responder respond) {
    std::int64_t id = path_id(request);
    std::int64_t agent_id = agent.id;
    auto chat = ctx.chat;
    ctx.pool.run<std::string>(
        [id, agent_id, change, refused_message](store::DbConn& conn) {
          pqxx::work txn(conn.raw());
          chat::lock_event_order(conn, txn);  // so every process sees the change in commit order
          if (!change(conn, txn, id, agent_id)) {
            if (conn.exec(txn, kStatusOf, id).empty()) throw ApiError::not_found("No such conversation");
            throw ApiError::conflict(refused_message);
          }
          std::string doc = conversation_doc(conn, txn, id).dump();
          chat::append_conversation_event(conn, txn, doc);
          chat::notify_events(conn, txn);
          txn.commit();
          return doc;
        },
        [respond, chat](Outcome<std::string> r) {
          if (!r.ok()) return respond(http::Response::error(r.error()));
          chat->events_appended();
          http::Response res;
          res.body = R"({"conversation":)" + r.value() + "}";
          respond(std::move(res));
        });
  });
}

}  // namespace

void register_inbox_routes(http::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/inbox", [&ctx](const http::Request& request, http::Responder respond) {
    with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord& agent, http::Responder respond) {
      PageQuery q = parse_page_query(request, agent.id);
      std::int64_t me = agent.id;
      respond_with(ctx, respond, [q, me](store::DbConn& conn) {
        pqxx::read_transaction txn(conn.raw());
        auto rows = conn.exec(txn, kInboxPage, q.statuses, q.assignee_kind, q.assignee, q.cursor_time, q.cursor_id, q.limit + 1);
        nlohmann::json list = nlohmann::json::array();
        nlohmann::json next = nullptr;
        for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(q.limit); ++i) {
          list.push_back(nlohmann::json::parse(rows[i][0].c_str()));
          if (rows.size() > static_cast<std::size_t>(q.limit) && i + 1 == static_cast<std::size_t>(q.limit)) {
            next = std::string(rows[i][1].c_str()) + "." + rows[i][2].c_str();
          }
        }
        auto c = conn.exec(txn, kInboxCounts, me)[0];
        return nlohmann::json{{"conversations", list},
                              {"nextCursor", next},
                              {"counts",
                               {{"open", c[0].as<std::int64_t>()},
                                {"mine", c[1].as<std::int64_t>()},
                                {"unassigned", c[2].as<std::int64_t>()},
                                {"resolved", c[3].as<std::int64_t>()}}}};
      });
    });
  });

  router.add("GET", "/api/inbox/:id", [&ctx](const http::Request& request, http::Responder respond) {
    with_agent(ctx, request, respond, [&ctx, request](const auth::AgentRecord&, http::Responder respond) {
      std::int64_t id = path_id(request);
      std::string after_param = request.query_param("after");
      std::int64_t after = after_param.empty() ? 0 : parse_number(after_param, "after");
      respond_with(ctx, respond, [id, after](store::DbConn& conn) {
        pqxx::read_transaction txn(conn.raw());
        nlohmann::json out = {{"conversation", conversation_doc(conn, txn, id)}, {"messages", nlohmann::json::array()}};
        for (const auto& row : conn.exec(txn, kMessages, id, after)) out["messages"].push_back(nlohmann::json::parse(row[0].c_str()));
        out["emails"] = mail::conversation_emails(conn, txn, id);  // offline mode: what went out, what failed
        return out;
      });
    });
  });

  router.add("POST", "/api/inbox/:id/assign", [&ctx](const http::Request& request, http::Responder respond) {
    auto assignee_of = [](const http::Request& request) {
      auto body = parse_json_body(request);
      if (!body.contains("agentId") || !body["agentId"].is_number_integer()) throw ApiError::invalid_field("agentId must be an agent's id");
      return body["agentId"].get<std::int64_t>();
    };
    change_conversation(ctx, request, respond, [assignee_of, request](store::DbConn& conn, pqxx::work& txn, std::int64_t id, std::int64_t) {
      std::int64_t assignee = assignee_of(request);
      if (conn.exec(txn, kAgentExists, assignee).empty()) throw ApiError::invalid_field("agentId is not an active agent");
      return !conn.exec(txn, kAssign, id, assignee).empty();
    }, "A resolved conversation cannot be assigned; reopen it first");
  });
  router.add("POST", "/api/inbox/:id/unassign", [&ctx](const http::Request& request, http::Responder respond) {
    change_conversation(ctx, request, respond, [](store::DbConn& conn, pqxx::work& txn, std::int64_t id, std::int64_t) {
      return !conn.exec(txn, kUnassign, id).empty();
    }, "A resolved conversation cannot be unassigned");
  });
  router.add("POST", "/api/inbox/:id/resolve", [&ctx](const http::Request& request, http::Responder respond) {
    change_conversation(ctx, request, respond, [](store::DbConn& conn, pqxx::work& txn, std::int64_t id, std::int64_t) {
      return !conn.exec(txn, kResolve, id).empty();
    }, "The conversation is already resolved");
  });
  router.add("POST", "/api/inbox/:id/reopen", [&ctx](const http::Request& request, http::Responder respond) {
    change_conversation(ctx, request, respond, [](store::DbConn& conn, pqxx::work& txn, std::int64_t id, std::int64_t) {
      try {
        return !conn.exec(txn, kReopen, id).empty();
      } catch (const pqxx::unique_violation&) {
        throw ApiError::conflict("The visitor already has another open conversation");
      }
    }, "The conversation is not resolved");
  });

  router.add("POST", "/api/inbox/:id/reply", [&ctx](const http::Request& request, http::Responder respond) {
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
  });
}

}  // namespace parley::api
