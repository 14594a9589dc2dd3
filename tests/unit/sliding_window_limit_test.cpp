#include <gtest/gtest.h>

#include "parley/core/sliding_window_limit.hpp"

using parley::SlidingWindowLimit;

TEST(SlidingWindowLimit, BlocksAfterTheLimitWithinTheWindow) {
  SlidingWindowLimit t(10, std::chrono::minutes(1));
  auto now = SlidingWindowLimit::Clock::now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(t.allowed("1.2.3.4", now));
    t.record_failure("1.2.3.4", now);
  }
  EXPECT_FALSE(t.allowed("1.2.3.4", now));
  EXPECT_TRUE(t.allowed("5.6.7.8", now));
  EXPECT_TRUE(t.allowed("1.2.3.4", now + std::chrono::seconds(61)));
}

TEST(SlidingWindowLimit, ResetClears) {
  SlidingWindowLimit t(2, std::chrono::minutes(1));
  auto now = SlidingWindowLimit::Clock::now();
  t.record_failure("a", now);
  t.record_failure("a", now);
  EXPECT_FALSE(t.allowed("a", now));
  t.reset("a");
  EXPECT_TRUE(t.allowed("a", now));
}

TEST(SlidingWindowLimit, TracksABoundedNumberOfKeys) {
  SlidingWindowLimit t(1, std::chrono::minutes(1), 3);
  auto now = SlidingWindowLimit::Clock::now();
  for (int i = 0; i < 10; ++i) t.record_failure("k" + std::to_string(i), now + std::chrono::milliseconds(i));
  // The newest keys are still remembered, the oldest were forgotten.
  EXPECT_FALSE(t.allowed("k9", now));
  EXPECT_TRUE(t.allowed("k0", now));
}

TEST(SlidingWindowLimit, ParallelAttemptsCountBeforeTheirOutcome) {
  SlidingWindowLimit t(10, std::chrono::minutes(1));
  auto now = SlidingWindowLimit::Clock::now();
  int acquired = 0;
  for (int i = 0; i < 30; ++i) acquired += t.try_acquire("acct", now) ? 1 : 0;
  EXPECT_EQ(acquired, 10);
  t.forgive("acct");  // one of them succeeded
  EXPECT_TRUE(t.try_acquire("acct", now));
  EXPECT_FALSE(t.try_acquire("acct", now));
}
