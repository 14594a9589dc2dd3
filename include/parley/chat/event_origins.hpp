#pragma once
// Which socket of this process sent each message of a batch row it wrote to the event log
// (event_log.hpp). That socket already has the message in its ack; the feed does not send it
// the same message again — one WebSocket write per message less, the biggest single cost of a
// visitor's message in Parley's own CPU (docs/BENCHMARKS.md). The sender's other tabs, and for
// an agent's message every other agent, still get it. Recorded before the commit, so the feed
// always finds a row's entry when it reads it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "parley/chat/link.hpp"

namespace parley::chat {

class EventOrigins {
 public:
  using Origins = std::vector<std::weak_ptr<ClientLink>>;  // one per line of the row; empty: none

  // The writer, before committing row `seq`.
  void add(std::int64_t seq, Origins origins);
  // The writer, when that commit failed.
  void forget(std::int64_t seq);
  // The feed, reading row `seq`: its origins (none if unknown). Entries of older rows go too —
  // rows are read in seq order, so nothing will ask for them.
  Origins take(std::int64_t seq);

  std::size_t size() const;

  // Beyond this many rows not yet read (a feed that cannot reach the database), the oldest are
  // dropped: their senders then get the message twice, which clients handle (by id).
  static constexpr std::size_t kMaxRows = 10000;

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, Origins> by_seq_;
};

}  // namespace parley::chat
