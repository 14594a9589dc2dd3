#pragma once
// Right after a start, "nobody is available" usually means "nobody has reconnected yet": agents'
// inboxes reconnect with a back-off of up to 30 s. For PARLEY_PRESENCE_GRACE_SECONDS after the
// start, the "nobody available" emails a visitor's message causes are due only when the grace
// ends, and the outbox worker skips them if an agent is available by then (docs/EMAIL.md).
#include <chrono>

#include "parley/mail/outbox.hpp"

namespace parley::app {

class PresenceGrace {
 public:
  explicit PresenceGrace(std::chrono::seconds length) : ends_(std::chrono::steady_clock::now() + length) {}

  // `settings` as they apply to an email enqueued now.
  mail::EnqueueSettings apply(mail::EnqueueSettings settings) const {
    auto left = std::chrono::ceil<std::chrono::seconds>(ends_ - std::chrono::steady_clock::now());
    if (left.count() > 0) settings.team_may_return_seconds = static_cast<int>(left.count());
    return settings;
  }

 private:
  std::chrono::steady_clock::time_point ends_;
};

}  // namespace parley::app
