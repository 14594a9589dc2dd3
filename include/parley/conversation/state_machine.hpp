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
};
inline constexpr int kActionCount = 5;

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

std::string_view to_string(Status status);  // "OPEN" | "ASSIGNED" | "RESOLVED"
std::string_view to_string(Action action);  // "assign" | "takeOver" | …
std::optional<Status> parse_status(std::string_view text);

}  // namespace parley::conversation
