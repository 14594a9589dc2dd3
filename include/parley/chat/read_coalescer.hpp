#pragma once
// One socket's `read` frames (read receipts, docs/PROTOCOL.md). A read is not a message: a
// client may send one whenever it looks at a conversation, and only a read that moves this
// socket's position is written. One write at a time per socket; reads that come meanwhile
// are coalesced (the furthest per conversation is kept) and written after it, so a burst of
// reads costs at most one event-log row per conversation in flight. Pure logic, no clock,
// no database: unit-tested on its own. Used on the socket's strand only.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

namespace parley::chat {

class ReadCoalescer {
 public:
  // Conversations whose position this socket remembers (an agent reads many); past that the
  // oldest-numbered is forgotten, which at worst lets one repeated read reach the database.
  static constexpr std::size_t kRemembered = 64;
  // Conversations with a read waiting behind the one in flight; past that a read is refused.
  static constexpr std::size_t kHeld = 16;

  enum class Verdict {
    Write,    // write it now (call started, then finished when done)
    Held,     // kept; finished() hands it back
    Ignored,  // not further than what this socket already wrote or holds
    Refused,  // too many conversations waiting
  };
  Verdict offer(std::int64_t conversation_id, std::int64_t up_to);

  struct Read {
    std::int64_t conversation_id = 0;
    std::int64_t up_to = 0;
  };
  // The write of `conversation_id` ended; `position` is where the reader is now (0 when the
  // write failed). Returns the next held read to write, if any (it is then in flight).
  std::optional<Read> finished(std::int64_t conversation_id, std::int64_t position);

  bool busy() const { return in_flight_; }

 private:
  void remember(std::int64_t conversation_id, std::int64_t position);

  std::map<std::int64_t, std::int64_t> known_;  // conversation → the furthest position written or learned
  std::map<std::int64_t, std::int64_t> held_;   // conversation → the furthest read waiting
  bool in_flight_ = false;
};

}  // namespace parley::chat
