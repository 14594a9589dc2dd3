#include "parley/notes/notes.hpp"

#include <algorithm>

#include "parley/core/error.hpp"
#include "parley/store/array_literal.hpp"

namespace parley::notes {
namespace {

// A repeated client id inserts nothing (and waits for a concurrent insert of it to commit).
const store::Statement kInsert{"note_insert", R"SQL(
INSERT INTO note (conversation_id, agent_id, body, client_id)
SELECT $1, $2, $3, nullif($4, '') WHERE EXISTS (SELECT 1 FROM conversation WHERE id = $1)
ON CONFLICT (agent_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
RETURNING id)SQL"};
const store::Statement kByClientId{"note_by_client_id",
                                   "SELECT id, conversation_id FROM note WHERE agent_id = $1 AND client_id = $2"};
// Only active agents can be mentioned; the caller compares the count with what it asked for.
const store::Statement kInsertMentions{"note_insert_mentions", R"SQL(
INSERT INTO note_mention (note_id, agent_id)
SELECT $1, a.id FROM agent a WHERE a.id = ANY($2::bigint[]) AND NOT a.disabled)SQL"};
const store::Statement kDoc{"note_doc", "SELECT doc::text FROM note_doc WHERE id = $1"};
const store::Statement kOfConversation{"note_of_conversation", R"SQL(
SELECT id, doc::text FROM (
  SELECT id, doc FROM note_doc WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2
) newest ORDER BY id)SQL"};
// One more row than asked for tells whether there are more.
const store::Statement kMentions{"note_mentions_of", R"SQL(
SELECT json_build_object('note', nd.doc,
                         'conversation', json_build_object('id', c.id, 'status', c.status,
                                                           'visitor', json_build_object('id', v.id, 'name', v.name, 'email', v.email)))::text
FROM note_mention nm
JOIN note_doc nd ON nd.id = nm.note_id
JOIN conversation c ON c.id = nd.conversation_id
JOIN visitor v ON v.id = c.visitor_id
WHERE nm.agent_id = $1 AND ($2::bigint = 0 OR nm.note_id < $2::bigint)
ORDER BY nm.note_id DESC LIMIT $3)SQL"};

}  // namespace

std::string note_event_frame(const Note& note) {
  // Written by hand so that "type" comes first: the event log's check constraint
  // (migrations/0014_notes.sql) recognises a note's row by this prefix.
  return R"({"type":"note","note":)" + note.doc + "}";
}

std::vector<std::int64_t> distinct_mentions(const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> out;
  for (auto id : ids) {
    if (id <= 0) throw ApiError::invalid_field("mentions must be agent ids");
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  if (out.size() > kMaxMentions) {
    throw ApiError::invalid_field("a note can mention at most " + std::to_string(kMaxMentions) + " colleagues");
  }
  return out;
}

Note Notes::add(store::DbConn& conn, const NewNote& note) {
  conversation::EventTransaction tx(conn, committed_);
  auto inserted = conn.exec(tx.txn(), kInsert, note.conversation_id, note.agent_id, note.body, note.client_id);
  if (inserted.empty()) {
    auto before = note.client_id.empty() ? pqxx::result() : conn.exec(tx.txn(), kByClientId, note.agent_id, note.client_id);
    if (before.empty()) throw ApiError::not_found("No such conversation");
    if (before[0][1].as<std::int64_t>() != note.conversation_id) {
      throw ApiError::conflict("clientId was used for a note in another conversation");
    }
    Note earlier{before[0][0].as<std::int64_t>(), {}, true};
    earlier.doc = conn.exec(tx.txn(), kDoc, earlier.id)[0][0].as<std::string>();
    return earlier;  // nothing written: the transaction rolls back, no event is appended
  }
  Note stored{inserted[0][0].as<std::int64_t>(), {}};
  if (!note.mentions.empty()) {
    auto ids = store::array_literal(note.mentions, [](std::int64_t id) { return std::to_string(id); });
    auto r = conn.exec(tx.txn(), kInsertMentions, stored.id, ids);
    if (r.affected_rows() != note.mentions.size()) {
      throw ApiError::invalid_field("mentions must be active agents");  // rolls the note back
    }
  }
  stored.doc = conn.exec(tx.txn(), kDoc, stored.id)[0][0].as<std::string>();
  // Agent sockets only: the row names no visitor, so the feed has no visitor to deliver to.
  tx.append_to_agents(note_event_frame(stored));
  tx.commit();
  return stored;
}

std::vector<Note> conversation_notes(store::DbConn& conn, std::int64_t conversation_id) {
  pqxx::read_transaction txn(conn.raw());
  std::vector<Note> out;
  for (const auto& row : conn.exec(txn, kOfConversation, conversation_id, kMaxNotesShown)) {
    out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>()});
  }
  return out;
}

MentionPage mentions_of(store::DbConn& conn, std::int64_t agent_id, std::int64_t before, int limit) {
  pqxx::read_transaction txn(conn.raw());
  MentionPage page;
  for (const auto& row : conn.exec(txn, kMentions, agent_id, before, limit + 1)) {
    if (static_cast<int>(page.docs.size()) == limit) {
      page.more = true;
      break;
    }
    page.docs.push_back(row[0].as<std::string>());
  }
  return page;
}

}  // namespace parley::notes
