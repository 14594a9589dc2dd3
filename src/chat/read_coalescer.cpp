#include "parley/chat/read_coalescer.hpp"

#include <algorithm>

namespace parley::chat {

ReadCoalescer::Verdict ReadCoalescer::offer(std::int64_t conversation_id, std::int64_t up_to) {
  if (auto it = known_.find(conversation_id); it != known_.end() && it->second >= up_to) return Verdict::Ignored;
  if (!in_flight_) {
    in_flight_ = true;
    remember(conversation_id, up_to);
    return Verdict::Write;
  }
  auto held = held_.find(conversation_id);
  if (held != held_.end()) {
    if (held->second >= up_to) return Verdict::Ignored;
    held->second = up_to;
    return Verdict::Held;
  }
  if (held_.size() >= kHeld) return Verdict::Refused;
  held_.emplace(conversation_id, up_to);
  return Verdict::Held;
}

std::optional<ReadCoalescer::Read> ReadCoalescer::finished(std::int64_t conversation_id, std::int64_t position) {
  in_flight_ = false;
  if (position > 0) {
    remember(conversation_id, position);
  } else {
    known_.erase(conversation_id);  // not written: the same read may be tried again
  }
  while (!held_.empty()) {
    Read next{held_.begin()->first, held_.begin()->second};
    held_.erase(held_.begin());
    if (auto it = known_.find(next.conversation_id); it != known_.end() && it->second >= next.up_to) continue;
    in_flight_ = true;
    remember(next.conversation_id, next.up_to);
    return next;
  }
  return std::nullopt;
}

void ReadCoalescer::remember(std::int64_t conversation_id, std::int64_t position) {
  auto [it, inserted] = known_.try_emplace(conversation_id, position);
  if (!inserted) it->second = std::max(it->second, position);
  if (known_.size() > kRemembered) known_.erase(known_.begin() == it ? std::next(known_.begin()) : known_.begin());
}

}  // namespace parley::chat
