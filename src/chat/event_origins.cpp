#include "parley/chat/event_origins.hpp"

namespace parley::chat {

void EventOrigins::add(std::int64_t seq, Origins origins) {
  std::lock_guard lock(mutex_);
  by_seq_[seq] = std::move(origins);
  while (by_seq_.size() > kMaxRows) by_seq_.erase(by_seq_.begin());
}

void EventOrigins::forget(std::int64_t seq) {
  std::lock_guard lock(mutex_);
  by_seq_.erase(seq);
}

EventOrigins::Origins EventOrigins::take(std::int64_t seq) {
  std::lock_guard lock(mutex_);
  Origins out;
  auto it = by_seq_.find(seq);
  if (it != by_seq_.end()) out = std::move(it->second);
  by_seq_.erase(by_seq_.begin(), by_seq_.upper_bound(seq));
  return out;
}

std::size_t EventOrigins::size() const {
  std::lock_guard lock(mutex_);
  return by_seq_.size();
}

}  // namespace parley::chat
