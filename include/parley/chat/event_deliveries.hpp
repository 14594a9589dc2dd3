#pragma once
// What a row of the event log delivers to this process's sockets. The log itself — who may
// append, how it is read and pruned — belongs to the conversation (conversation/event_writer.hpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parley/chat/hub.hpp"

namespace parley::chat {

// One row of the log as read, its columns as text (null: not set).
struct EventRow {
  std::string_view frame;
  bool to_agents = false;
  std::int64_t visitor_id = 0;            // 0: none
  const char* visitor_frame = nullptr;
  const char* visitor_ids = nullptr;      // a bigint[] literal: `frame` is one frame per line
};

// What a row delivers, appended to `out` in order. A batch row (migration 0005) becomes one
// delivery per line; `senders`, when given, names the socket that sent line i (it gets no
// echo). Throws std::invalid_argument on a batch row whose lines and visitor ids do not pair
// up — a row no version of Parley writes.
void append_deliveries(const EventRow& row, std::vector<Hub::Delivery>& out,
                       const std::vector<std::weak_ptr<ClientLink>>& senders = {});

}  // namespace parley::chat
