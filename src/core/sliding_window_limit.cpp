#include "parley/core/sliding_window_limit.hpp"

namespace parley {

void SlidingWindowLimit::prune(std::deque<Clock::time_point>& failures, Clock::time_point now) const {
  while (!failures.empty() && now - failures.front() >= window_) failures.pop_front();
}

bool SlidingWindowLimit::allowed(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return true;
  prune(it->second, now);
  if (it->second.empty()) {
    failures_.erase(it);
    return true;
  }
  return it->second.size() < max_failures_;
}

bool SlidingWindowLimit::try_acquire(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (auto it = failures_.find(key); it != failures_.end()) {
    prune(it->second, now);
    if (it->second.size() >= max_failures_) return false;
  }
  record_failure_locked(key, now);
  return true;
}

void SlidingWindowLimit::forgive(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return;
  if (!it->second.empty()) it->second.pop_back();
  if (it->second.empty()) failures_.erase(it);
}

void SlidingWindowLimit::record_failure(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  record_failure_locked(key, now);
}

void SlidingWindowLimit::record_failure_locked(const std::string& key, Clock::time_point now) {
  if (failures_.size() >= max_keys_ && !failures_.count(key)) {
    // Forget keys whose failures have all expired; if none, the oldest one.
    for (auto it = failures_.begin(); it != failures_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= max_keys_) {
      auto oldest = failures_.begin();
      for (auto it = failures_.begin(); it != failures_.end(); ++it) {
        if (it->second.back() < oldest->second.back()) oldest = it;
      }
      failures_.erase(oldest);
    }
  }
  auto& f = failures_[key];
  prune(f, now);
  f.push_back(now);
  if (f.size() > max_failures_) f.pop_front();
}

void SlidingWindowLimit::reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

}  // namespace parley
