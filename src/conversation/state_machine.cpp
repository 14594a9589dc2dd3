#include "parley/conversation/state_machine.hpp"

#include <array>

namespace parley::conversation {
namespace {

constexpr Rule allow(Status next) { return {Verdict::Allowed, next, {}}; }
constexpr Rule refuse(std::string_view reason) { return {Verdict::Refused, Status::Open, reason}; }
constexpr Rule taken() { return {Verdict::Taken, Status::Assigned, "Someone else has this conversation"}; }

// Rows: Open, Assigned, Resolved. Columns: Assign, TakeOver, Unassign, Resolve, Reopen, ResolveByBot.
constexpr std::array<std::array<Rule, kActionCount>, kStatusCount> kTable{{
    {allow(Status::Assigned), allow(Status::Assigned), allow(Status::Open), allow(Status::Resolved),
     refuse("The conversation is not resolved"), allow(Status::Resolved)},
    {taken(), allow(Status::Assigned), allow(Status::Open), allow(Status::Resolved),
     refuse("The conversation is not resolved"), refuse("A person has taken this conversation")},
    {refuse("A resolved conversation cannot be assigned; reopen it first"),
     refuse("A resolved conversation cannot be assigned; reopen it first"),
     refuse("A resolved conversation cannot be unassigned"), refuse("The conversation is already resolved"),
     allow(Status::Open), refuse("The conversation is already resolved")},
}};

}  // namespace

Rule rule(Status from, Action action) { return kTable[static_cast<int>(from)][static_cast<int>(action)]; }

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Open: return "OPEN";
    case Status::Assigned: return "ASSIGNED";
    case Status::Resolved: return "RESOLVED";
  }
  return "OPEN";
}

std::string_view to_string(Action action) {
  switch (action) {
    case Action::Assign: return "assign";
    case Action::TakeOver: return "takeOver";
    case Action::Unassign: return "unassign";
    case Action::Resolve: return "resolve";
    case Action::Reopen: return "reopen";
    case Action::ResolveByBot: return "resolveByBot";
  }
  return "assign";
}

std::optional<BotState> bot_next(BotState from, BotEvent event) {
  switch (from) {
    case BotState::Pending:
      if (event == BotEvent::Answer) return BotState::Waiting;
      if (event == BotEvent::NoMatch) return BotState::Quiet;
      // Wrote again before the bot looked: the bot stays out of a conversation under way.
      if (event == BotEvent::Person) return BotState::Handed;
      return std::nullopt;
    case BotState::Waiting:
      if (event == BotEvent::Answered) return BotState::Resolved;
      if (event == BotEvent::Person) return BotState::Handed;
      return std::nullopt;
    case BotState::None:
    case BotState::Resolved:
    case BotState::Handed:
    case BotState::Quiet: break;
  }
  return std::nullopt;
}

bool bot_holds(BotState state) { return state == BotState::Pending || state == BotState::Waiting; }

std::string_view to_string(BotState state) {
  switch (state) {
    case BotState::None: return "";
    case BotState::Pending: return "pending";
    case BotState::Waiting: return "waiting";
    case BotState::Resolved: return "resolved";
    case BotState::Handed: return "handed";
    case BotState::Quiet: return "quiet";
  }
  return "";
}

std::optional<BotState> parse_bot_state(std::string_view text) {
  for (auto s : {BotState::None, BotState::Pending, BotState::Waiting, BotState::Resolved, BotState::Handed,
                 BotState::Quiet}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::optional<Status> parse_status(std::string_view text) {
  if (text == "OPEN") return Status::Open;
  if (text == "ASSIGNED") return Status::Assigned;
  if (text == "RESOLVED") return Status::Resolved;
  return std::nullopt;
}

}  // namespace parley::conversation
