#pragma once
// Labels (migrations/0016_labels.sql): admins define them (name, colour), agents put them on
// conversations. Every write runs in an EventTransaction, so every agent socket of every
// process hears of it (`label`, `labelDeleted`, `conversationLabels` frames, docs/PROTOCOL.md);
// none of them ever reaches a visitor. Documents are JSON text built by PostgreSQL.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/conversation/event_writer.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::conversation {

inline constexpr std::int64_t kMaxLabels = 200;                // labels a team may define
inline constexpr std::size_t kMaxLabelName = 40;               // characters (code points)
inline constexpr std::int64_t kMaxLabelsPerConversation = 10;  // labels on one conversation

// The name as stored: trimmed, the text rule (single line), 1–kMaxLabelName characters.
// Throws ApiError invalid_field.
std::string validated_label_name(std::string_view raw);
// "#RRGGBB" or "#rrggbb" → "#rrggbb". Throws ApiError invalid_field.
std::string validated_label_colour(std::string_view raw);

struct LabelEdit {
  std::optional<std::string> name;    // validated
  std::optional<std::string> colour;  // validated
};

// A conversation's labels after a change; `changed` false when it was already so (nothing
// was appended to the event log).
struct ConversationLabels {
  std::int64_t conversation_id = 0;
  std::string labels_doc;  // [Label]
  bool changed = false;
};

class Labels {
 public:
  explicit Labels(EventsCommitted& committed) : committed_(committed) {}

  // {"labels":[Label with "conversations" (how many carry it) and "createdAt"]}, by name.
  std::string list(store::DbConn& conn);
  // The new Label. 409 label_exists (same name, any case), 409 too_many_labels.
  std::string create(store::DbConn& conn, const std::string& name, const std::string& colour);
  // The Label as it is now; nullopt when there is no such label. 409 label_exists.
  std::optional<std::string> update(store::DbConn& conn, std::int64_t id, const LabelEdit& edit);
  // False when there was no such label. Its assignments go with it (ON DELETE CASCADE).
  bool remove(store::DbConn& conn, std::int64_t id);

  // Puts a label on a conversation / takes it off. 404 not_found for an unknown conversation
  // or label; 409 too_many_labels past kMaxLabelsPerConversation. `agent_id`: who did it.
  ConversationLabels add(store::DbConn& conn, std::int64_t conversation_id, std::int64_t label_id,
                         std::int64_t agent_id);
  ConversationLabels take_off(store::DbConn& conn, std::int64_t conversation_id, std::int64_t label_id,
                              std::int64_t agent_id);

 private:
  // add and take_off: both check, change when needed, reload the conversation's labels, and
  // tell the agents only about a real change.
  ConversationLabels change(store::DbConn& conn, std::int64_t conversation_id, std::int64_t label_id,
                            std::int64_t agent_id, bool put_on);

  EventsCommitted& committed_;
};

}  // namespace parley::conversation
