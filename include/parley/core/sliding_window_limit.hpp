#pragma once
// Counts attempts per key in a sliding window, in this process's memory (new visitors per
// client address; login failures are counted in PostgreSQL instead, auth/login_attempts.hpp).
// Bounded: when it tracks too many keys it forgets the stalest.
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley {

class SlidingWindowLimit {
 public:
  using Clock = std::chrono::steady_clock;
  SlidingWindowLimit(std::size_t max_failures, Clock::duration window, std::size_t max_keys = 100000)
      : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

  // False when `key` has had max_failures failures within the window.
  bool allowed(const std::string& key, Clock::time_point now = Clock::now());
  void record_failure(const std::string& key, Clock::time_point now = Clock::now());
  void reset(const std::string& key);

  // Counts an attempt as a failure before its outcome is known, when it is allowed —
  // so parallel attempts cannot all pass the check before any failure is recorded.
  // Call forgive() when the attempt turns out to have succeeded.
  bool try_acquire(const std::string& key, Clock::time_point now = Clock::now());
  void forgive(const std::string& key);

 private:
  void prune(std::deque<Clock::time_point>& failures, Clock::time_point now) const;
  void record_failure_locked(const std::string& key, Clock::time_point now);

  std::size_t max_failures_;
  Clock::duration window_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace parley
