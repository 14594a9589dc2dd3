// The login throttling policy (include/parley/auth/login_policy.hpp): limits per address and per
// address + account, and a growing, capped delay per account that never locks its owner out.
#include <gtest/gtest.h>

#include <vector>

#include "parley/auth/login_policy.hpp"

using parley::auth::judge_login;
using parley::auth::kLoginPolicy;
using parley::auth::LoginFailures;

namespace {

// `n` failures, the newest `newest` seconds ago, one every `spacing` seconds before it.
std::vector<double> failures(int n, double newest, double spacing = 1) {
  std::vector<double> ages;
  for (int i = 0; i < n; ++i) ages.push_back(newest + i * spacing);
  return ages;
}

}  // namespace

TEST(LoginPolicy, NoFailuresIsAllowed) {
  auto v = judge_login({});
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.retry_after_seconds, 0);
}

TEST(LoginPolicy, TwentyFailuresFromAnAddressInTenMinutesRefuseItUntilTheOldestLeavesTheWindow) {
  LoginFailures f;
  f.by_address = failures(19, 10, 20);  // spread over accounts: nothing else counts
  EXPECT_TRUE(judge_login(f).allowed);
  f.by_address = failures(20, 10, 20);  // the oldest is 10 + 19 * 20 = 390 s old
  auto v = judge_login(f);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after_seconds, 600 - 390);
  // Older than ten minutes does not count.
  f.by_address = failures(20, 601, 1);
  EXPECT_TRUE(judge_login(f).allowed);
}

TEST(LoginPolicy, MoreThanTheLimitWaitsForTheTwentiethNewest) {
  LoginFailures f;
  f.by_address = failures(30, 0, 10);  // newest 0 s, 20th newest 190 s old
  EXPECT_EQ(judge_login(f).retry_after_seconds, 600 - 190);
}

TEST(LoginPolicy, FiveFailuresForOneAccountFromOneAddressRefuseThatPairForFifteenMinutes) {
  LoginFailures f;
  f.by_pair = failures(4, 0);
  f.by_address = f.by_pair;
  EXPECT_TRUE(judge_login(f).allowed);
  f.by_pair = failures(5, 100, 10);  // the 5th newest is 140 s old
  f.by_address = f.by_pair;
  auto v = judge_login(f);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after_seconds, 900 - 140);
  f.by_pair = failures(5, 901);
  EXPECT_TRUE(judge_login(f).allowed);
}

TEST(LoginPolicy, AnAccountsDelayGrowsFromOneSecondAndStopsAtThirty) {
  // n failures in 15 minutes, the last one just now: the next attempt waits 2^(n-5) s, ≤ 30.
  const int expected[] = {0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 30, 30, 30};
  for (int n = 0; n < 13; ++n) {
    LoginFailures f;
    f.by_account = failures(n, 0, 60);  // one a minute: 13 fit in 15 minutes
    auto v = judge_login(f);
    EXPECT_EQ(v.allowed, expected[n] == 0) << n << " failures";
    EXPECT_EQ(v.retry_after_seconds, expected[n]) << n << " failures";
  }
  // Thousands of failures from a botnet still mean at most 30 s.
  LoginFailures many;
  many.by_account = failures(5000, 0, 0.1);
  EXPECT_EQ(judge_login(many).retry_after_seconds, 30);
}

TEST(LoginPolicy, TheAccountsDelayCountsFromItsLastFailure) {
  LoginFailures f;
  f.by_account = failures(9, 10.5, 1);  // 16 s delay, the last failure 10.5 s ago
  auto v = judge_login(f);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after_seconds, 6);  // 5.5 s, rounded up: waiting it is enough
  f.by_account = failures(9, 16, 1);
  EXPECT_TRUE(judge_login(f).allowed);
  f.by_account = failures(12, 30, 1);
  EXPECT_TRUE(judge_login(f).allowed) << "the owner never waits more than 30 s";
  // Failures older than 15 minutes no longer count towards n.
  f.by_account = failures(4, 1);
  auto old = failures(20, 900, 1);
  f.by_account.insert(f.by_account.end(), old.begin(), old.end());
  EXPECT_TRUE(judge_login(f).allowed);
}

TEST(LoginPolicy, AnAttackerOnOneAddressLeavesTheOwnerOnAnotherAtMostTheCappedDelay) {
  // The attacker's address hit every limit; the owner's address has no failure of its own.
  LoginFailures attacker;
  attacker.by_address = failures(20, 0);
  attacker.by_pair = failures(20, 0);
  attacker.by_account = failures(20, 0);
  EXPECT_FALSE(judge_login(attacker).allowed);
  EXPECT_GT(judge_login(attacker).retry_after_seconds, 30);
  LoginFailures owner;
  owner.by_account = attacker.by_account;
  auto v = judge_login(owner);
  EXPECT_FALSE(v.allowed);
  EXPECT_LE(v.retry_after_seconds, 30);
  owner.by_account = failures(20, 30);
  EXPECT_TRUE(judge_login(owner).allowed);
}

TEST(LoginPolicy, TheLongestWaitWins) {
  LoginFailures f;
  f.by_account = failures(10, 0);  // 30 s
  f.by_pair = failures(5, 800);    // 900 - 804 = 96 s
  EXPECT_EQ(judge_login(f).retry_after_seconds, 96);
}

TEST(LoginPolicy, AFailureNewerThanTheReadersClockCountsAsJustNow) {
  LoginFailures f;
  f.by_account = failures(5, -0.2);
  EXPECT_EQ(judge_login(f).retry_after_seconds, 1);
}

TEST(LoginPolicy, TheHistoryToReadCoversEveryRule) {
  EXPECT_EQ(kLoginPolicy.lookback_seconds(), 900);
  EXPECT_GE(kLoginPolicy.depth(), 20u);  // the address limit
  // Cut to depth(), the account's history still gives the capped delay.
  LoginFailures f;
  f.by_account = failures(static_cast<int>(kLoginPolicy.depth()), 0);
  EXPECT_EQ(judge_login(f).retry_after_seconds, 30);
}
