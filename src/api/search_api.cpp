// GET /api/search: the inbox's search box (docs/PROTOCOL.md, docs/INBOX.md#search). Agents
// only. Runs on the search's own small database pool with its own statement timeout, so a
// slow search waits behind other searches, never in front of chat work; a full queue is a 503.
#include <algorithm>

#include "helpers.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/search/message_search.hpp"
#include "parley/core/text.hpp"

namespace parley::api {
namespace {

std::int64_t parse_id(const std::string& s, const char* field) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError::invalid_field(std::string(field) + " must be a non-negative integer");
  }
  return std::stoll(s);
}

std::string parse_day(const std::string& s, const char* field) {
  if (s.empty()) return s;
  bool shape = s.size() == 10 && s[4] == '-' && s[7] == '-';
  for (std::size_t i = 0; shape && i < s.size(); ++i) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) shape = false;
  }
  int month = shape ? std::stoi(s.substr(5, 2)) : 0;
  int day = shape ? std::stoi(s.substr(8, 2)) : 0;
  int year = shape ? std::stoi(s.substr(0, 4)) : 0;
  int days_in_month = month == 2 ? ((year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28)
                      : (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
  if (!shape || year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month) {
    throw ApiError::invalid_field(std::string(field) + " must be a date, YYYY-MM-DD");
  }
  return s;
}

std::vector<std::string> parse_statuses(const std::string& param) {
  std::vector<std::string> out;
  if (param.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    auto comma = param.find(',', start);
    std::string s = param.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (s != "OPEN" && s != "ASSIGNED" && s != "RESOLVED") {
      throw ApiError::invalid_field("status must be OPEN, ASSIGNED or RESOLVED (comma-separated)");
    }
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

search::SearchRequest parse_search(const http::Request& request, std::int64_t me) {
  search::SearchRequest req;
  std::string q = validated_text(request.query_param("q"), "q", TextKind::single_line);
  q = std::string(trimmed(q, " \t"));
  if (q.empty()) throw ApiError::invalid_field("q is required");
  if (code_points(q) > search::kMaxQueryChars) {
    throw ApiError::invalid_field("q must be at most 200 characters");
  }
  req.q = std::move(q);
  req.filters.statuses = parse_statuses(request.query_param("status"));
  std::string assigned = request.query_param("assignedTo");
  if (assigned == "me") req.filters.assignee = me;
  else if (assigned == "none") req.filters.unassigned = true;
  else if (!assigned.empty()) req.filters.assignee = parse_id(assigned, "assignedTo");
  if (auto label = request.query_param("label"); !label.empty()) req.filters.label = parse_id(label, "label");
  req.filters.from_day = parse_day(request.query_param("from"), "from");
  req.filters.to_day = parse_day(request.query_param("to"), "to");
  if (!req.filters.from_day.empty() && !req.filters.to_day.empty() && req.filters.to_day < req.filters.from_day) {
    throw ApiError::invalid_field("to must not be before from");
  }
  if (auto limit = request.query_param("limit"); !limit.empty()) {
    req.limit = static_cast<int>(std::clamp<std::int64_t>(parse_id(limit, "limit"), 1, search::kMaxLimit));
  }
  if (auto cursor = request.query_param("cursor"); !cursor.empty()) {
    auto c = search::SearchCursor::decode(cursor);
    if (!c) throw ApiError::invalid_field("cursor is malformed");
    req.cursor = *c;
  }
  return req;
}

nlohmann::json page_json(const search::SearchPage& page) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& h : page.hits) {
    nlohmann::json r{{"type", h.message ? "message" : "conversation"},
                     {"conversation", nlohmann::json::parse(h.conversation_doc)}};
    if (h.message) {
      r["message"] = {{"id", h.id}, {"sender", h.sender}, {"createdAt", h.created_at}, {"snippet", h.snippet}};
    }
    results.push_back(std::move(r));
  }
  return {{"results", results}, {"nextCursor", page.next ? nlohmann::json(page.next->encode()) : nlohmann::json()}};
}

// GET /api/search?q=…&status=…&assignedTo=…&from=…&to=…&limit=…&cursor=…
void search_inbox(ApiContext& ctx, SearchServices& search, const http::Request& request, http::Responder respond) {
  with_agent(ctx, request, respond, [&search, request](const auth::AgentRecord& agent, http::Responder respond) {
    search::SearchRequest req = parse_search(request, agent.id);
    search.pool.run<nlohmann::json>(
        [&search, req](store::DbConn& conn) { return page_json(search.search.run(conn, req)); },
        [respond](Outcome<nlohmann::json> r) {
          if (r.ok()) return respond(http::Response::json(200, r.value()));
          if (r.error().code() == "overloaded") {
            return respond(
                http::Response::error(ApiError(503, "search_busy", "Too many searches at once; retry in a moment")));
          }
          respond(http::Response::error(r.error()));
        });
  });
}

}  // namespace

void register_search_routes(http::Router& router, ApiContext& ctx, SearchServices& search) {
  add_route(router, ctx, "GET", "/api/search", [&search](ApiContext& c, const http::Request& r, http::Responder respond) {
    search_inbox(c, search, r, std::move(respond));
  });
}

}  // namespace parley::api
