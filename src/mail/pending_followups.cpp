#include "parley/mail/pending_followups.hpp"

namespace parley::mail {

bool PendingFollowups::covers(std::int64_t conversation_id, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = until_.find(conversation_id);
  if (it == until_.end()) return false;
  if (now < it->second) return true;
  until_.erase(it);  // due (or nearly): the statement decides again
  return false;
}

void PendingFollowups::learn(std::int64_t conversation_id, Clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (until_.size() >= limit_ && until_.find(conversation_id) == until_.end()) {
    auto now = Clock::now();
    std::erase_if(until_, [&](const auto& entry) { return entry.second <= now; });
    if (until_.size() >= limit_) return;
  }
  until_[conversation_id] = until;
}

std::size_t PendingFollowups::size() const {
  std::lock_guard lock(mutex_);
  return until_.size();
}

}  // namespace parley::mail
