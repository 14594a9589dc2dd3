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
    {Status::Open, Action::ResolveByBot, Verdict::Allowed, Status::Resolved},
    {Status::Assigned, Action::Assign, Verdict::Taken, Status::Assigned},
    {Status::Assigned, Action::TakeOver, Verdict::Allowed, Status::Assigned},
    {Status::Assigned, Action::Unassign, Verdict::Allowed, Status::Open},
    {Status::Assigned, Action::Resolve, Verdict::Allowed, Status::Resolved},
    {Status::Assigned, Action::Reopen, Verdict::Refused, Status::Open},
    {Status::Assigned, Action::ResolveByBot, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Assign, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::TakeOver, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Unassign, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Resolve, Verdict::Refused, Status::Open},
    {Status::Resolved, Action::Reopen, Verdict::Allowed, Status::Open},
    {Status::Resolved, Action::ResolveByBot, Verdict::Refused, Status::Open},
};

struct BotExpected {
  BotState from;
  BotEvent event;
  std::optional<BotState> next;
};

// Every bot state × event, written out: the bot looks once, then the visitor decides.
constexpr BotExpected kEveryBot[] = {
    {BotState::None, BotEvent::Answer, std::nullopt},       {BotState::None, BotEvent::NoMatch, std::nullopt},
    {BotState::None, BotEvent::Answered, std::nullopt},     {BotState::None, BotEvent::Person, std::nullopt},
    {BotState::Pending, BotEvent::Answer, BotState::Waiting}, {BotState::Pending, BotEvent::NoMatch, BotState::Quiet},
    {BotState::Pending, BotEvent::Answered, std::nullopt},  {BotState::Pending, BotEvent::Person, BotState::Handed},
    {BotState::Waiting, BotEvent::Answer, std::nullopt},    {BotState::Waiting, BotEvent::NoMatch, std::nullopt},
    {BotState::Waiting, BotEvent::Answered, BotState::Resolved}, {BotState::Waiting, BotEvent::Person, BotState::Handed},
    {BotState::Resolved, BotEvent::Answer, std::nullopt},   {BotState::Resolved, BotEvent::NoMatch, std::nullopt},
    {BotState::Resolved, BotEvent::Answered, std::nullopt}, {BotState::Resolved, BotEvent::Person, std::nullopt},
    {BotState::Handed, BotEvent::Answer, std::nullopt},     {BotState::Handed, BotEvent::NoMatch, std::nullopt},
    {BotState::Handed, BotEvent::Answered, std::nullopt},   {BotState::Handed, BotEvent::Person, std::nullopt},
    {BotState::Quiet, BotEvent::Answer, std::nullopt},      {BotState::Quiet, BotEvent::NoMatch, std::nullopt},
    {BotState::Quiet, BotEvent::Answered, std::nullopt},    {BotState::Quiet, BotEvent::Person, std::nullopt},
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

TEST(ConversationStateMachine, EveryBotStateAndEvent) {
  static_assert(std::size(kEveryBot) == 6 * 4);
  for (const auto& e : kEveryBot) {
    SCOPED_TRACE(std::string(to_string(e.from)) + " × " + std::to_string(static_cast<int>(e.event)));
    EXPECT_EQ(bot_next(e.from, e.event), e.next);
  }
}

TEST(ConversationStateMachine, OnlyPendingAndWaitingHoldTheTeamBack) {
  EXPECT_TRUE(bot_holds(BotState::Pending));
  EXPECT_TRUE(bot_holds(BotState::Waiting));
  for (auto s : {BotState::None, BotState::Resolved, BotState::Handed, BotState::Quiet}) EXPECT_FALSE(bot_holds(s));
}

TEST(ConversationStateMachine, BotStateNamesRoundTrip) {
  for (auto s : {BotState::None, BotState::Pending, BotState::Waiting, BotState::Resolved, BotState::Handed,
                 BotState::Quiet}) {
    EXPECT_EQ(parse_bot_state(to_string(s)), s);
  }
  EXPECT_FALSE(parse_bot_state("Waiting").has_value());
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
