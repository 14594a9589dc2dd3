// Automatic assignment's pure parts: the mode's names (REST and the settings row) and the
// wake-up the router waits on.
#include <gtest/gtest.h>

#include <thread>

#include "parley/routing/router.hpp"
#include "parley/routing/settings.hpp"

namespace parley::routing {
namespace {

TEST(RoutingMode, NamesRoundTrip) {
  for (auto m : {Mode::Manual, Mode::RoundRobin, Mode::Balanced}) EXPECT_EQ(parse_mode(to_string(m)), m);
  EXPECT_EQ(to_string(Mode::RoundRobin), "round_robin");
}

TEST(RoutingMode, RefusesOtherNames) {
  for (const char* bad : {"", "Manual", "roundrobin", "balanced ", "random"}) EXPECT_FALSE(parse_mode(bad)) << bad;
}

TEST(RoutingWakeup, AFirstWaitRunsAtOnceThenWaitsForAPull) {
  Wakeup w;
  std::atomic<bool> stop{false};
  EXPECT_TRUE(w.wait(std::chrono::milliseconds(0), stop));    // a process's first run
  EXPECT_FALSE(w.wait(std::chrono::milliseconds(1), stop));   // nothing pulled since
  w.pull();
  w.pull();  // pulls coalesce: one run looks at everything
  EXPECT_TRUE(w.wait(std::chrono::milliseconds(0), stop));
  EXPECT_FALSE(w.wait(std::chrono::milliseconds(1), stop));
}

TEST(RoutingWakeup, APullFromAnotherThreadEndsTheWait) {
  Wakeup w;
  std::atomic<bool> stop{false};
  w.wait(std::chrono::milliseconds(0), stop);
  std::thread t([&w] { w.pull(); });
  EXPECT_TRUE(w.wait(std::chrono::hours(1), stop));
  t.join();
}

TEST(RoutingWakeup, StopEndsTheWait) {
  Wakeup w;
  std::atomic<bool> stop{false};
  w.wait(std::chrono::milliseconds(0), stop);
  std::thread t([&] {
    stop = true;
    w.interrupt();
  });
  EXPECT_FALSE(w.wait(std::chrono::hours(1), stop));
  t.join();
}

}  // namespace
}  // namespace parley::routing
