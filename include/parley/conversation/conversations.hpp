#pragma once
// The conversation's room: every change of a conversation — opened by a visitor, assigned,
// taken over, unassigned, resolved, reopened — is one function here that runs one
// transaction (an EventTransaction: every process hears of it in commit order) and returns
// a plain struct. What is allowed when is decided by the table in state_machine.hpp.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "parley/conversation/conversation_store.hpp"
#include "parley/conversation/csat.hpp"
#include "parley/conversation/event_writer.hpp"
#include "parley/conversation/state_machine.hpp"

namespace parley::conversation {

struct ChangeRequest {
  std::int64_t conversation_id = 0;
  Action action = Action::Assign;
  std::int64_t assignee = 0;                   // Assign / TakeOver: who gets it
  std::optional<std::int64_t> seen_version;  // when set, the change applies only to this version
};

struct ChangeResult {
  enum class Kind {
    Changed,    // committed; conversation_doc is the new state
    Unchanged,  // already so (the same assignee again): nothing written
    Refused,    // 409: `code` and `reason` say why; conversation_doc is the current state
  };
  Kind kind = Kind::Changed;
  std::string code;    // when refused: "assigned" (a colleague has it), "stale" (seen_version is old), "conflict"
  std::string reason;
  std::string conversation_doc;
};

// A visitor's first message(s) want a conversation: the one open now, or a new one.
struct VisitorOpening {
  std::optional<ConversationRef> conversation;
  // Client ids already stored for this visitor (in any conversation) → their Message documents:
  // a re-send whose ack was lost is answered, not stored again.
  std::map<std::string, std::string> already_stored;
  bool created = false;  // this call began the conversation: its first message is coming
};

// What the app adds to a resolve that creates a CSAT survey (the survey email): `in_transaction`
// runs before the commit, `after_commit` only when it returned true (wake the mail worker).
struct SurveyHooks {
  SurveyHook in_transaction;
  std::function<void()> after_commit;
};

class Conversations {
 public:
  // `bot_first`: new conversations begin in BotState::Pending (the FAQ bot looks at the first
  // message before the team is alerted; PARLEY_BOT).
  // `changed` is told after a change committed, with its action (automatic assignment looks
  // again when a conversation came back to the team or an agent's capacity freed).
  explicit Conversations(EventsCommitted& committed, bool bot_first = false, SurveyHooks survey_hooks = {},
                         std::function<void(Action)> changed = {})
      : committed_(committed),
        bot_first_(bot_first),
        survey_hooks_(std::move(survey_hooks)),
        changed_(std::move(changed)) {}

  // Throws ApiError 404 (no such conversation) or 400 (assignee is not an active agent).
  ChangeResult change(store::DbConn& conn, const ChangeRequest& request);
  // The same change inside the caller's transaction, which commits it (automatic assignment:
  // routing/assignment.cpp picks and assigns in one transaction). Not for a resolve (its survey
  // email is woken after the commit); `changed` is not told.
  ChangeResult change_in(EventTransaction& tx, const ChangeRequest& request);

  VisitorOpening open_for_visitor(store::DbConn& conn, std::int64_t visitor_id, const std::string& page,
                                  const std::vector<std::string>& client_ids);

  // The visitor's CSAT answer from the widget, and from the emailed link (csat.hpp).
  AnswerOutcome answer_csat(store::DbConn& conn, std::int64_t visitor_id, std::int64_t conversation_id,
                            const CsatAnswer& answer);
  AnswerOutcome answer_csat_link(store::DbConn& conn, const std::string& token_hash, const CsatAnswer& answer);

 private:
  ChangeResult apply(EventTransaction& tx, const ChangeRequest& request, bool& wake);

  EventsCommitted& committed_;
  const bool bot_first_;
  SurveyHooks survey_hooks_;
  std::function<void(Action)> changed_;
};

}  // namespace parley::conversation
