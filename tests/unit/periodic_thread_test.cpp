#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "parley/core/periodic_thread.hpp"

using namespace std::chrono_literals;
using parley::PeriodicThread;

TEST(PeriodicThread, RunsItsChoreRepeatedlyUntilStopped) {
  std::atomic<int> runs{0};
  std::promise<void> third;
  PeriodicThread thread;
  thread.start(1ms, [&] {
    if (++runs == 3) third.set_value();
  });
  third.get_future().wait();  // hangs (and ctest fails it) if the chore stops repeating
  thread.stop();
  int after_stop = runs.load();
  EXPECT_GE(after_stop, 3);
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(runs.load(), after_stop) << "the chore ran after stop() returned";
}

TEST(PeriodicThread, StopWakesItWithoutWaitingOutTheInterval) {
  std::atomic<int> runs{0};
  PeriodicThread thread;
  thread.start(24h, [&] { ++runs; });
  thread.stop();  // would hang for a day if stop() did not wake the thread
  thread.stop();  // a second stop is harmless
  EXPECT_EQ(runs.load(), 0);
}

TEST(PeriodicThread, DestructorStopsIt) {
  std::atomic<int> runs{0};
  { PeriodicThread thread; thread.start(24h, [&] { ++runs; }); }
  EXPECT_EQ(runs.load(), 0);
}
