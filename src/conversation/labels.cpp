#include "parley/conversation/labels.hpp"

#include <algorithm>

#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/core/text.hpp"

namespace parley::conversation {
namespace {

const store::Statement kList{"labels_list", R"SQL(
SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'colour', l.colour,
                                             'createdAt', parley_time(l.created_at),
                                             'conversations', (SELECT count(*) FROM conversation_label cl
                                                               WHERE cl.label_id = l.id))
                          ORDER BY lower(l.name), l.id), '[]'::jsonb)::text
FROM label l)SQL"};
// Under the event-order lock every label write holds, so the count and the name check cannot
// race another label write; the unique index is the fence all the same.
const store::Statement kCount{"labels_count", "SELECT count(*) FROM label"};
const store::Statement kNameTaken{"labels_name_taken",
                                  "SELECT 1 FROM label WHERE lower(name) = lower($1) AND id <> $2"};
const store::Statement kInsert{"labels_insert", R"SQL(
INSERT INTO label (name, colour) VALUES ($1, $2)
RETURNING jsonb_build_object('id', id, 'name', name, 'colour', colour)::text)SQL"};
const store::Statement kUpdate{"labels_update", R"SQL(
UPDATE label SET name = coalesce($2, name), colour = coalesce($3, colour) WHERE id = $1
RETURNING jsonb_build_object('id', id, 'name', name, 'colour', colour)::text)SQL"};
const store::Statement kDelete{"labels_delete", "DELETE FROM label WHERE id = $1 RETURNING id"};

// The conversation (kept from being deleted meanwhile: the silent-visitor prune), whether the
// label exists, how many labels the conversation has and whether this one is among them.
const store::Statement kAssignmentCheck{"labels_assignment_check", R"SQL(
SELECT EXISTS (SELECT 1 FROM label WHERE id = $2),
       (SELECT count(*) FROM conversation_label WHERE conversation_id = c.id),
       EXISTS (SELECT 1 FROM conversation_label WHERE conversation_id = c.id AND label_id = $2)
FROM conversation c WHERE c.id = $1 FOR KEY SHARE)SQL"};
const store::Statement kAssign{"labels_assign",
                               "INSERT INTO conversation_label (conversation_id, label_id) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING"};
const store::Statement kUnassign{"labels_unassign",
                                 "DELETE FROM conversation_label WHERE conversation_id = $1 AND label_id = $2"};
const store::Statement kConversationLabels{"labels_of_conversation", "SELECT conversation_labels($1)::text"};


ApiError label_exists(const std::string& name) {
  return {409, "label_exists", "A label named \"" + name + "\" exists already"};
}

void check_name_free(store::DbConn& conn, pqxx::work& txn, const std::string& name, std::int64_t id) {
  if (!conn.exec(txn, kNameTaken, name, id).empty()) throw label_exists(name);
}

std::string label_frame(const std::string& label_doc) { return R"({"type":"label","label":)" + label_doc + "}"; }

std::string conversation_labels_frame(std::int64_t conversation_id, const std::string& labels_doc,
                                      std::int64_t agent_id) {
  return R"({"type":"conversationLabels","conversationId":)" + std::to_string(conversation_id) + R"(,"labels":)" +
         labels_doc + R"(,"agentId":)" + std::to_string(agent_id) + "}";
}

}  // namespace

std::string validated_label_name(std::string_view raw) {
  raw = trimmed(raw, " \t");
  // A byte bound first, so a huge body is refused before it is scanned.
  if (raw.empty() || raw.size() > kMaxLabelName * 4) {
    throw ApiError::invalid_field("name must be 1–" + std::to_string(kMaxLabelName) + " characters");
  }
  std::string name = validated_text(raw, "name", TextKind::single_line);
  if (code_points(name) > kMaxLabelName) {
    throw ApiError::invalid_field("name must be 1–" + std::to_string(kMaxLabelName) + " characters");
  }
  return name;
}

std::string validated_label_colour(std::string_view raw) {
  bool ok = raw.size() == 7 && raw[0] == '#' &&
            std::all_of(raw.begin() + 1, raw.end(), [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            });
  if (!ok) throw ApiError::invalid_field("colour must be #rrggbb");
  std::string colour(raw);
  std::transform(colour.begin(), colour.end(), colour.begin(), [](char c) {
    return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return colour;
}

std::string Labels::list(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  return R"({"labels":)" + std::string(conn.exec(txn, kList)[0][0].c_str()) + "}";
}

std::string Labels::create(store::DbConn& conn, const std::string& name, const std::string& colour) {
  EventTransaction tx(conn, committed_);
  if (conn.exec(tx.txn(), kCount)[0][0].as<std::int64_t>() >= kMaxLabels) {
    throw ApiError(409, "too_many_labels", "There are " + std::to_string(kMaxLabels) +
                                               " labels already; delete one first");
  }
  check_name_free(conn, tx.txn(), name, 0);
  std::string doc;
  try {
    doc = conn.exec(tx.txn(), kInsert, name, colour)[0][0].c_str();
  } catch (const pqxx::unique_violation&) {  // the check above makes this the unexpected case
    throw label_exists(name);
  }
  tx.append_to_agents(label_frame(doc));
  tx.commit();
  return doc;
}

std::optional<std::string> Labels::update(store::DbConn& conn, std::int64_t id, const LabelEdit& edit) {
  EventTransaction tx(conn, committed_);
  if (edit.name) check_name_free(conn, tx.txn(), *edit.name, id);
  pqxx::result r;
  try {
    r = conn.exec(tx.txn(), kUpdate, id, edit.name, edit.colour);
  } catch (const pqxx::unique_violation&) {
    throw label_exists(edit.name.value_or(""));
  }
  if (r.empty()) return std::nullopt;  // rolled back: nothing was written
  std::string doc = r[0][0].c_str();
  tx.append_to_agents(label_frame(doc));
  tx.commit();
  return doc;
}

bool Labels::remove(store::DbConn& conn, std::int64_t id) {
  EventTransaction tx(conn, committed_);
  if (conn.exec(tx.txn(), kDelete, id).empty()) return false;
  // One frame, not one per conversation: every inbox takes the label off whatever it shows.
  tx.append_to_agents(R"({"type":"labelDeleted","labelId":)" + std::to_string(id) + "}");
  tx.commit();
  return true;
}

ConversationLabels Labels::add(store::DbConn& conn, std::int64_t conversation_id, std::int64_t label_id,
                               std::int64_t agent_id) {
  return change(conn, conversation_id, label_id, agent_id, true);
}

ConversationLabels Labels::take_off(store::DbConn& conn, std::int64_t conversation_id, std::int64_t label_id,
                                    std::int64_t agent_id) {
  return change(conn, conversation_id, label_id, agent_id, false);
}

ConversationLabels Labels::change(store::DbConn& conn, std::int64_t conversation_id, std::int64_t label_id,
                                  std::int64_t agent_id, bool put_on) {
  EventTransaction tx(conn, committed_);
  auto check = conn.exec(tx.txn(), kAssignmentCheck, conversation_id, label_id);
  if (check.empty()) throw ApiError::not_found("No such conversation");
  if (!check[0][0].as<bool>()) throw ApiError::not_found("No such label");
  bool has_it = check[0][2].as<bool>();
  ConversationLabels out{conversation_id, {}, has_it != put_on};
  if (out.changed && put_on) {
    if (check[0][1].as<std::int64_t>() >= kMaxLabelsPerConversation) {
      throw ApiError(409, "too_many_labels", "A conversation has at most " +
                                                 std::to_string(kMaxLabelsPerConversation) + " labels");
    }
    conn.exec(tx.txn(), kAssign, conversation_id, label_id);
  } else if (out.changed) {
    conn.exec(tx.txn(), kUnassign, conversation_id, label_id);
  }
  out.labels_doc = conn.exec(tx.txn(), kConversationLabels, conversation_id)[0][0].c_str();
  if (out.changed) tx.append_to_agents(conversation_labels_frame(conversation_id, out.labels_doc, agent_id));
  tx.commit();
  return out;
}

}  // namespace parley::conversation
