#pragma once
// Canned replies (docs/INBOX.md): saved answers agents insert with /shortcut. Personal ones
// belong to their owner; team ones are seen by every agent and managed by admins. Each use is
// counted, per agent and in total, so the menu ranks what an agent uses most first.
// Database work: call on a database thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/store/db_conn.hpp"

namespace parley::canned {

// Limits (docs/INBOX.md). Lengths count characters (code points); the body stays well under a
// message's 8000 so that an inserted reply leaves room to edit.
constexpr std::size_t kMaxShortcutChars = 32;
constexpr std::size_t kMaxTitleChars = 80;
constexpr std::size_t kMaxBodyChars = 4000;
constexpr int kMaxPersonalPerAgent = 200;
constexpr int kMaxTeamReplies = 500;

// Who is asking: the signed-in agent and whether they are an admin.
struct Actor {
  std::int64_t agent_id = 0;
  bool admin = false;
};

struct ReplyInput {
  std::string shortcut;  // [a-z0-9_-]{1,32}; a leading "/" is dropped
  std::string title;     // one line, trimmed
  std::string body;      // text, trimmed; may hold {{placeholders}}
};

struct Reply {
  std::int64_t id = 0;
  std::optional<std::int64_t> owner_agent_id;  // nullopt: a team reply
  std::string shortcut, title, body;
  std::int64_t my_uses = 0;     // by the asking agent
  std::int64_t total_uses = 0;  // by everyone
  std::string last_used_at;     // the asking agent's last use, ISO-8601 UTC; "" = never
  std::string updated_at;

  bool team() const { return !owner_agent_id; }
};

// Checks and normalises `input`; throws ApiError invalid_field naming what is wrong.
ReplyInput validated(ReplyInput input);
bool valid_shortcut(std::string_view shortcut);

// Whether `actor` may edit or delete `reply`: team replies admins only, personal ones only their
// owner. (Seeing is wider: every agent sees the team's.)
bool may_manage(const Actor& actor, const Reply& reply);

// Thrown as ApiError: 404 when the reply does not exist or is another agent's personal one
// (which this agent cannot see at all), 403 when it is a team reply and the agent no admin,
// 409 when the shortcut is taken in that scope or the scope is full.
class CannedReplies {
 public:
  // The team's and the agent's own, most used by this agent first, then by the team, then
  // most recently used, then by shortcut.
  std::vector<Reply> list(store::DbConn& conn, const Actor& actor) const;
  Reply create(store::DbConn& conn, const Actor& actor, bool team, const ReplyInput& input) const;
  Reply update(store::DbConn& conn, const Actor& actor, std::int64_t id, const ReplyInput& input) const;
  void remove(store::DbConn& conn, const Actor& actor, std::int64_t id) const;
  // One use by the actor (the reply was inserted into a reply box); returns it with new counts.
  Reply record_use(store::DbConn& conn, const Actor& actor, std::int64_t id) const;
};

}  // namespace parley::canned
