#pragma once
// Reading conversations and their messages: functions over a connection that return plain
// structs and ready-made JSON documents (built by the conversation_doc / message_doc views).
// The writes are in conversations.hpp (they append events).
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "parley/conversation/state_machine.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::conversation {

// A visitor's conversation that is not resolved, as a visitor's socket remembers it.
struct ConversationRef {
  std::int64_t id = 0;
  std::string status;
  std::string page;
  std::string bot;  // the FAQ bot's state (BotState's name; "" when none)
};

// The inbox list: filters and the (updated_at, id) cursor of the last row shown.
struct InboxQuery {
  enum class Assignee { Any, Nobody, Agent };
  std::vector<Status> statuses{Status::Open, Status::Assigned};
  Assignee assignee_kind = Assignee::Any;
  std::int64_t assignee = 0;
  std::int64_t cursor_time = 0;  // microseconds since the epoch; 0: first page
  std::int64_t cursor_id = 0;
  std::int64_t label = 0;  // only conversations carrying this label (labels.hpp); 0: any
  int limit = 25;
};

// The views' counts; with a label filter they count only conversations carrying that label.
struct InboxCounts {
  std::int64_t open = 0, mine = 0, unassigned = 0, resolved = 0;
};

// Read receipts as an agent sees a conversation (read_positions.hpp): their own position, the
// visitor's, and how many visitor messages came after their own (counted up to kUnreadCap).
struct ReadState {
  std::int64_t me = 0;       // 0: nothing read
  std::int64_t visitor = 0;
  std::int64_t unread = 0;
};
inline constexpr std::int64_t kUnreadCap = 100;

struct InboxPage {
  std::vector<std::string> conversation_docs;
  std::optional<std::string> next_cursor;  // "time.id" when there is more
  InboxCounts counts;
};

// A page of a conversation's messages after a cursor; `more` when it was cut.
struct MessagePage {
  std::vector<std::string> message_docs;
  bool more = false;
  // The visitor's page only: who joined, [{"after","agent"}] (visitor_messages_after).
  std::optional<std::string> joined_json;
};
inline constexpr std::size_t kMessagePage = 500;

// Each conversation document carries `"read":{"me","visitor","unread"}` for agent `me`.
InboxPage inbox_page(store::DbConn& conn, const InboxQuery& query, std::int64_t me);
ReadState read_state(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id,
                     std::int64_t agent_id);
// A conversation document with `"read":{…}` added.
std::string with_read_state(std::string conversation_doc, const ReadState& read);
std::optional<std::string> conversation_doc(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t id);
MessagePage messages_after(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id,
                           std::int64_t after);
// The same, only if the conversation is this visitor's (else an empty page).
MessagePage visitor_messages_after(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id,
                                   std::int64_t visitor_id, std::int64_t after);
// The visitor's last resolved conversations with their last messages, as History documents.
std::vector<std::string> visitor_history(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t visitor_id);
std::optional<ConversationRef> open_conversation_of(store::DbConn& conn, pqxx::transaction_base& txn,
                                                    std::int64_t visitor_id);
// The open conversation of each of these visitors that has one, in one statement (many
// sockets' `auth` at once).
std::map<std::int64_t, ConversationRef> open_conversations_of(store::DbConn& conn, pqxx::transaction_base& txn,
                                                              const std::vector<std::int64_t>& visitor_ids);
std::optional<std::int64_t> visitor_of(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id);

}  // namespace parley::conversation
