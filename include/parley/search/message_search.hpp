#pragma once
// The inbox's search (docs/INBOX.md#search, GET /api/search): one query over message text
// (PostgreSQL full text on message.search_vector, websearch syntax: "quoted phrases",
// -excluded words), visitors' names, emails and user ids (pg_trgm, typos included) and
// conversation ids; filtered by status, assignee and date; newest first, cursor-paged.
//
// Two streams are merged by time: messages whose text matches (newest message first) and
// conversations whose visitor or id matches (latest activity first). The cursor holds the
// position in each, so a page never repeats or skips a hit of either.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parley/store/db_conn.hpp"

namespace parley::search {

constexpr std::size_t kMaxQueryChars = 200;
constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 50;

struct SearchFilters {
  std::vector<std::string> statuses;       // OPEN, ASSIGNED, RESOLVED; empty: any
  std::optional<std::int64_t> assignee;    // conversations assigned to this agent
  bool unassigned = false;                 // conversations assigned to nobody
  std::string from_day;                    // YYYY-MM-DD (UTC), inclusive; empty: no bound
  std::string to_day;                      // YYYY-MM-DD (UTC), inclusive; empty: no bound
  std::optional<std::int64_t> label;       // conversations carrying this label (conversation_label)
};

// Where the previous page stopped in each stream. Default: the start.
struct SearchCursor {
  std::optional<std::int64_t> message_below;  // next messages have a smaller id
  // next conversations come before (updated_at in µs since the epoch, id)
  std::optional<std::int64_t> conversation_at_us;
  std::optional<std::int64_t> conversation_id;

  // "m<id>.c<µs>.<id>" with either part absent ("m12", "c170….4"): opaque to clients.
  std::string encode() const;
  // std::nullopt when `text` is not a cursor this function wrote.
  static std::optional<SearchCursor> decode(const std::string& text);
};

struct SearchRequest {
  std::string q;  // trimmed, at most kMaxQueryChars characters, not empty
  SearchFilters filters;
  SearchCursor cursor;
  int limit = kDefaultLimit;  // 1..kMaxLimit
};

struct SearchHit {
  bool message = false;          // a message hit; otherwise a conversation hit (visitor or id)
  std::int64_t id = 0;           // the message's or the conversation's id
  std::string conversation_doc;  // the Conversation document (JSON text), as GET /api/inbox has it
  std::string sender;            // message hits: VISITOR, AGENT or BOT
  std::string created_at;        // message hits: ISO-8601
  std::string snippet;           // message hits: a passage, matches between \x02 and \x03
};

struct SearchPage {
  std::vector<SearchHit> hits;
  std::optional<SearchCursor> next;  // set when there may be more
};

// "alice smith" → "alice smith": the words compared with visitors (quotes and -exclusions
// removed, lower-cased); a conversation id when the query is a number ("123" or "#123").
struct VisitorTerms {
  std::string text;
  std::optional<std::int64_t> conversation_id;
};
VisitorTerms visitor_terms(const std::string& q);

class MessageSearch {
 public:
  // `statement_timeout`: PostgreSQL cancels a search that runs longer (ApiError 503
  // search_timeout), so no query holds a search connection, or the database, for long.
  MessageSearch(std::string text_search_config, std::chrono::milliseconds statement_timeout)
      : config_(std::move(text_search_config)), timeout_(statement_timeout) {}

  SearchPage run(store::DbConn& conn, const SearchRequest& request) const;

 private:
  std::string config_;
  std::chrono::milliseconds timeout_;
};

}  // namespace parley::search
