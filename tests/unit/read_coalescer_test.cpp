#include <gtest/gtest.h>

#include "parley/chat/read_coalescer.hpp"

using parley::chat::ReadCoalescer;
using V = ReadCoalescer::Verdict;

TEST(ReadCoalescer, WritesAReadThatMovesTheSocketsPositionAndIgnoresOneThatDoesNot) {
  ReadCoalescer r;
  EXPECT_EQ(r.offer(1, 10), V::Write);
  EXPECT_FALSE(r.finished(1, 10));
  EXPECT_EQ(r.offer(1, 10), V::Ignored);  // replayed
  EXPECT_EQ(r.offer(1, 7), V::Ignored);   // stale
  EXPECT_EQ(r.offer(1, 11), V::Write);
}

TEST(ReadCoalescer, HoldsTheFurthestReadPerConversationWhileOneIsInFlight) {
  ReadCoalescer r;
  EXPECT_EQ(r.offer(1, 10), V::Write);
  EXPECT_EQ(r.offer(1, 12), V::Held);
  EXPECT_EQ(r.offer(1, 15), V::Held);
  EXPECT_EQ(r.offer(1, 13), V::Ignored);
  EXPECT_EQ(r.offer(2, 5), V::Held);
  auto next = r.finished(1, 10);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->conversation_id, 1);
  EXPECT_EQ(next->up_to, 15);  // one write for three reads
  EXPECT_TRUE(r.busy());
  next = r.finished(1, 15);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->conversation_id, 2);
  EXPECT_FALSE(r.finished(2, 5));
  EXPECT_FALSE(r.busy());
}

TEST(ReadCoalescer, APositionLearnedFromTheDatabaseDropsHeldReadsBehindIt) {
  ReadCoalescer r;
  EXPECT_EQ(r.offer(1, 10), V::Write);
  EXPECT_EQ(r.offer(1, 12), V::Held);
  EXPECT_FALSE(r.finished(1, 20));  // another tab had read further
  EXPECT_EQ(r.offer(1, 18), V::Ignored);
}

TEST(ReadCoalescer, AFailedWriteMayBeTriedAgain) {
  ReadCoalescer r;
  EXPECT_EQ(r.offer(1, 10), V::Write);
  EXPECT_FALSE(r.finished(1, 0));
  EXPECT_EQ(r.offer(1, 10), V::Write);
}

TEST(ReadCoalescer, RefusesPastTheHeldLimitAndForgetsPastTheRememberedLimit) {
  ReadCoalescer r;
  EXPECT_EQ(r.offer(1000, 1), V::Write);
  for (std::int64_t c = 1; c <= static_cast<std::int64_t>(ReadCoalescer::kHeld); ++c) EXPECT_EQ(r.offer(c, 1), V::Held);
  EXPECT_EQ(r.offer(999, 1), V::Refused);
  while (auto next = r.finished(0, 0)) {
    (void)next;
  }
  ReadCoalescer many;
  for (std::int64_t c = 1; c <= static_cast<std::int64_t>(ReadCoalescer::kRemembered) + 10; ++c) {
    ASSERT_EQ(many.offer(c, 1), V::Write);
    ASSERT_FALSE(many.finished(c, 1));
  }
  EXPECT_EQ(many.offer(ReadCoalescer::kRemembered + 10, 1), V::Ignored);  // the newest are remembered
  EXPECT_EQ(many.offer(1, 1), V::Write);                                   // the first was forgotten
}
