// The offline-email memo: which conversations' follow-ups are known to be pending, bounded.
#include "parley/mail/pending_followups.hpp"

#include <gtest/gtest.h>

using parley::mail::PendingFollowups;
using namespace std::chrono_literals;

TEST(PendingFollowups, CoversUntilTheRecordedTimeThenForgets) {
  PendingFollowups memo;
  auto t0 = PendingFollowups::Clock::now();
  EXPECT_FALSE(memo.covers(7, t0)) << "nothing learned yet";
  memo.learn(7, t0 + 10s);
  EXPECT_TRUE(memo.covers(7, t0));
  EXPECT_TRUE(memo.covers(7, t0 + 9s));
  EXPECT_FALSE(memo.covers(8, t0)) << "another conversation";
  EXPECT_FALSE(memo.covers(7, t0 + 10s)) << "due: the statement decides again";
  EXPECT_EQ(memo.size(), 0u) << "an expired entry is dropped when seen";
  EXPECT_FALSE(memo.covers(7, t0)) << "and stays forgotten until learned again";
}

TEST(PendingFollowups, ALaterFollowUpReplacesTheEarlierOne) {
  PendingFollowups memo;
  auto t0 = PendingFollowups::Clock::now();
  memo.learn(7, t0 + 1s);
  memo.learn(7, t0 + 5s);
  EXPECT_TRUE(memo.covers(7, t0 + 2s));
  EXPECT_EQ(memo.size(), 1u);
}

TEST(PendingFollowups, BoundedDropsExpiredEntriesThenStopsLearning) {
  PendingFollowups memo(2);
  auto now = PendingFollowups::Clock::now();
  memo.learn(1, now - 1s);  // already expired
  memo.learn(2, now + 60s);
  memo.learn(3, now + 60s);  // full: the expired one makes room
  EXPECT_EQ(memo.size(), 2u);
  EXPECT_TRUE(memo.covers(3, now));
  memo.learn(4, now + 60s);  // full of live entries: not learned (the statement simply runs)
  EXPECT_EQ(memo.size(), 2u);
  EXPECT_FALSE(memo.covers(4, now));
  EXPECT_TRUE(memo.covers(2, now));
  memo.learn(2, now + 120s);  // a known conversation is still updated when full
  EXPECT_TRUE(memo.covers(2, now + 90s));
}
