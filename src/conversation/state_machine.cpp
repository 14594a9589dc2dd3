#include "parley/conversation/state_machine.hpp"

#include <array>

namespace parley::conversation {
namespace {

constexpr Rule allow(Status next) { return {Verdict::Allowed, next, {}}; }
constexpr Rule refuse(std::string_view reason) { return {Verdict::Refused, Status::Open, reason}; }
constexpr Rule taken() { return {Verdict::Taken, Status::Assigned, "Someone else has this conversation"}; }

// Rows: Open, Assigned, Resolved. Columns: Assign, TakeOver, Unassign, Resolve, Reopen.
constexpr std::array<std::array<Rule, kActionCount>, kStatusCount> kTable{{
    {allow(Status::Assigned), allow(Status::Assigned), allow(Status::Open), allow(Status::Resolved),
     refuse("The conversation is not resolved")},
    {taken(), allow(Status::Assigned), allow(Status::Open), allow(Status::Resolved),
     refuse("The conversation is not resolved")},
    {refuse("A resolved conversation cannot be assigned; reopen it first"),
     refuse("A resolved conversation cannot be assigned; reopen it first"),
     refuse("A resolved conversation cannot be unassigned"), refuse("The conversation is already resolved"),
     allow(Status::Open)},
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
  }
  return "assign";
}

std::optional<Status> parse_status(std::string_view text) {
  if (text == "OPEN") return Status::Open;
  if (text == "ASSIGNED") return Status::Assigned;
  if (text == "RESOLVED") return Status::Resolved;
  return std::nullopt;
}

}  // namespace parley::conversation
