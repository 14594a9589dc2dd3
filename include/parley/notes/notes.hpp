#pragma once
// Private notes and @mentions (migrations/0014_notes.sql, docs/INBOX.md). A note is an agent's
// remark in a conversation that its visitor must never see, so it is a type of its own, in a
// layer of its own: only `api` links this layer. `chat` (the visitor's socket, the event feed,
// the hub), `mail` and `context` cannot include this header — the build refuses it
// (tests/layering/chat_includes_notes.cpp, mail_includes_notes.cpp) — so no code that talks
// to a visitor can be handed a Note, and the note's event is appended for agent sockets only.
#include <cstdint>
#include <string>
#include <vector>

#include "parley/conversation/event_writer.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::notes {

inline constexpr std::size_t kMaxMentions = 10;  // per note
inline constexpr int kMaxNotesShown = 500;       // a conversation's newest notes
inline constexpr int kMaxMentionsPage = 100;

// What an agent wrote. `body` is already validated (the message rule: 1–8000 characters).
struct NewNote {
  std::int64_t conversation_id = 0;
  std::int64_t agent_id = 0;
  std::string body;
  std::vector<std::int64_t> mentions;  // agent ids, distinct, at most kMaxMentions
  std::string client_id;               // validated; empty: none (each send is a new note)
};

// A stored note as the inbox reads it: its JSON document (Note in docs/PROTOCOL.md).
struct Note {
  std::int64_t id = 0;
  std::string doc;
  bool repeated = false;  // add(): the client id was stored already; this is that note, unchanged
};

// {"type":"note","note":Note} — the frame every agent socket receives.
std::string note_event_frame(const Note& note);

class Notes {
 public:
  explicit Notes(conversation::EventsCommitted& committed) : committed_(committed) {}

  // Stores the note and its mentions and appends its event (agents only) in one transaction.
  // A client id the agent used before answers the note stored then (`repeated`), adding
  // nothing. Throws ApiError 404 (no such conversation), 400 invalid_field (a mention that is
  // not an active agent), 409 (the client id was used for a note in another conversation).
  Note add(store::DbConn& conn, const NewNote& note);

 private:
  conversation::EventsCommitted& committed_;
};

// A conversation's notes, oldest first (its newest kMaxNotesShown).
std::vector<Note> conversation_notes(store::DbConn& conn, std::int64_t conversation_id);

// Notes that mention `agent_id`, newest first, with ids below `before` (0: from the newest):
// each {"note":Note,"conversation":{"id","status","visitor":{"id","name","email"}}}.
struct MentionPage {
  std::vector<std::string> docs;
  bool more = false;
};
MentionPage mentions_of(store::DbConn& conn, std::int64_t agent_id, std::int64_t before, int limit);

// Mentions as the API takes them: distinct positive ids, at most kMaxMentions; throws
// ApiError invalid_field otherwise. Pure, unit-tested.
std::vector<std::int64_t> distinct_mentions(const std::vector<std::int64_t>& ids);

}  // namespace parley::notes
