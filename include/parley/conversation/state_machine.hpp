#pragma once
// A conversation's life as one table: which action is allowed in which state, and where it
// leads. Every change of status or assignee goes through rule(); nothing else decides.
#include <optional>
#include <string_view>

namespace parley::conversation {

enum class Status { Open, Assigned, Resolved };
inline constexpr int kStatusCount = 3;

enum class Action {
  Assign,    // give it to an agent: only while nobody has it (see Verdict::Taken)
  TakeOver,  // give it to an agent although a colleague has it: the explicit form of Assign
  Unassign,
  Resolve,
  Reopen,
  // The visitor told the bot "That answered my question": resolved with nobody assigned, and
  // only while no person has it (an agent who took it over owns the ending).
  ResolveByBot,
};
inline constexpr int kActionCount = 6;

enum class Verdict {
  Allowed,
  Taken,    // someone has it: only TakeOver (or the same assignee) may proceed
  Refused,  // not in this state: 409 with the rule's reason
};

struct Rule {
  Verdict verdict;
  Status next;             // when allowed
  std::string_view reason;  // when refused: shown to the agent
};

// The transition table: state × action → rule.
Rule rule(Status from, Action action);

// The FAQ bot's part in a conversation (column conversation.bot_state, migrations/0010_bot.sql),
// beside its Status: the bot looks at the first message once, and what follows is one table.
enum class BotState {
  None,      // the bot was off when the conversation began: as before the bot existed
  Pending,   // the bot will look at the first message; the team is not alerted yet
  Waiting,   // the bot answered; it waits for the visitor's choice, the team is not alerted yet
  Resolved,  // "That answered my question" (the conversation is resolved by the bot)
  Handed,    // "Talk to a person", or the visitor wrote again: the team has it, as without a bot
  Quiet,     // no confident article: the team has it, as without a bot
};
enum class BotEvent { Answer, NoMatch, Answered, Person };

// Where a bot event leads; nullopt: it does not apply in this state (nothing changes).
std::optional<BotState> bot_next(BotState from, BotEvent event);
// Whether the team is kept out of it (no alert, no offline email) in this state.
bool bot_holds(BotState state);
std::string_view to_string(BotState state);  // "" | "pending" | "waiting" | "resolved" | "handed" | "quiet"
std::optional<BotState> parse_bot_state(std::string_view text);

std::string_view to_string(Status status);  // "OPEN" | "ASSIGNED" | "RESOLVED"
std::string_view to_string(Action action);  // "assign" | "takeOver" | …
std::optional<Status> parse_status(std::string_view text);

}  // namespace parley::conversation
