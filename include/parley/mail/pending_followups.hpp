#pragma once
// What this process knows of conversations' pending support follow-ups, so that the offline-email
// statement runs about once per conversation per batching window instead of once per batch.
//
// A visitor's message written while nobody is available, in a conversation whose follow-up email
// to the support address is pending, is joined to that follow-up: the enqueue statement's
// ON CONFLICT DO NOTHING writes nothing for it, and the worker renders every visitor message from
// the follow-up's first one when it sends it. The follow-up stays pending until its due time (only
// the worker changes it, at or after that time), and a pending follow-up implies the conversation's
// "new conversation" email exists. So until shortly before the due time, the statement can be
// skipped for such a message. (Its third effect, the visitor's acknowledgement for an address given
// after the first message, is the late-acknowledgement sweep's job in the first hour, and the
// statement's again once the follow-up was due; see docs/EMAIL.md.)
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace parley::mail {

class PendingFollowups {
 public:
  using Clock = std::chrono::steady_clock;

  // At most `limit` conversations are remembered; past it, expired ones are dropped, and if
  // none has expired, nothing more is learned (the statement then simply runs).
  explicit PendingFollowups(std::size_t limit = 100000) : limit_(limit) {}

  // True while `now` is before what `learn` recorded for the conversation.
  bool covers(std::int64_t conversation_id, Clock::time_point now);
  // The conversation's follow-up is pending at least until `until` (the caller took its margin).
  void learn(std::int64_t conversation_id, Clock::time_point until);

  std::size_t size() const;

 private:
  const std::size_t limit_;
  mutable std::mutex mutex_;  // the message writer and the FAQ bot's hand-off both enqueue
  std::unordered_map<std::int64_t, Clock::time_point> until_;
};

}  // namespace parley::mail
