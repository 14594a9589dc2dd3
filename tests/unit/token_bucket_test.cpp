#include <gtest/gtest.h>

#include "parley/core/token_bucket.hpp"

using parley::TokenBucket;

TEST(TokenBucket, BurstThenRefill) {
  TokenBucket bucket(10, 5);
  auto now = TokenBucket::Clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(now));
  EXPECT_FALSE(bucket.take(now));
  EXPECT_TRUE(bucket.take(now + std::chrono::milliseconds(100)));  // one token per 100 ms
  EXPECT_FALSE(bucket.take(now + std::chrono::milliseconds(100)));
  // Refills up to the burst, not beyond.
  auto later = now + std::chrono::seconds(60);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(later));
  EXPECT_FALSE(bucket.take(later));
}
