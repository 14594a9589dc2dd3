// The conversation's transition table, every state × action, and the event writer's sequence.
#include <gtest/gtest.h>

#include <stdexcept>

#include "parley/conversation/event_writer.hpp"
#include "parley/conversation/state_machine.hpp"

using namespace parley::conversation;

namespace {

struct Expected {
  Status from;
  Action action;
  Verdict verdict;
  Status next;  // when allowed
};

// Written out in full, not derived: a change to the table must change this too.
constexpr Expected kEvery[] = {
    {Status::Open, Action::Assign, Verdict::Allowed, Status::Assigned},
    {Status::Open, Action::TakeOver, Verdict::Allowed, Status::Assigned},
    {Status::Open, Action::Unassign, Verdict::Allowed, Status::Open},
    {Status::Open, Action::Resolve, Verdict::Allowed, Status::Resolved},
    {Status::Open, Action::Reopen, Verdict::Refused, Status::Open},
    {Status::Assigned, Action::Assign, Verdict::Taken, Status::Assigned},
    {Status::Assigned, Action::TakeOver, Verdict::Allowed, Status::Assigned},
    {Status::Assigned, Action::Unassign, Verdict::Allowed, Status::Open},
    {Status::Assigned, Action::Resolve, Verdict::Allowed, Status::Resolved},
    {Status::Assigned, Action::Reopen, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Assign, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::TakeOver, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Unassign, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Resolve, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Reopen, Verdict::Allowed, Status::Open},
};

}  // namespace

TEST(ConversationStateMachine, EveryStateAndAction) {
  static_assert(std::size(kEvery) == kStatusCount * kActionCount);
  for (const auto& e : kEvery) {
    SCOPED_TRACE(std::string(to_string(e.from)) + " × " + std::string(to_string(e.action)));
    Rule r = rule(e.from, e.action);
    EXPECT_EQ(r.verdict, e.verdict);
    if (r.verdict == Verdict::Allowed) {
      EXPECT_EQ(r.next, e.next);
    } else {
      EXPECT_FALSE(r.reason.empty()) << "a refusal says why";
    }
  }
}

TEST(ConversationStateMachine, StatusNamesRoundTrip) {
  for (auto s : {Status::Open, Status::Assigned, Status::Resolved}) EXPECT_EQ(parse_status(to_string(s)), s);
  EXPECT_FALSE(parse_status("open").has_value());
  EXPECT_FALSE(parse_status("").has_value());
}

TEST(EventSequence, NotifiesOnlyWhenSomethingWasAppended) {
  EventSequence nothing;
  EXPECT_FALSE(nothing.finish());
  EventSequence some;
  some.appended();
  some.appended();
  EXPECT_TRUE(some.finish());
  EXPECT_EQ(some.state(), EventSequence::State::Committed);
}

TEST(EventSequence, RefusesToAppendOutsideItsSequence) {
  EventSequence committed;
  committed.appended();
  committed.finish();
  EXPECT_THROW(committed.appended(), std::logic_error);
  EXPECT_THROW(committed.finish(), std::logic_error);

  EventSequence abandoned;
  abandoned.abandon();
  EXPECT_THROW(abandoned.appended(), std::logic_error);
  EXPECT_THROW(abandoned.finish(), std::logic_error);
}
