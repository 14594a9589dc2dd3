#pragma once
// Who of the team is there: the agents list with who is connected and online (GET /api/agents,
// and the `agents` frame every agent socket of this process is sent when it changed, here or
// in another process), and whether the team is available (the visitors' `presence` frame).
#include <nlohmann/json.hpp>

#include "parley/chat/hub.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {

class AgentRoster {
 public:
  AgentRoster(store::DbPool& pool, Hub& hub) : pool_(pool), hub_(hub) {}

  // Every active agent's document with "connected" and "online" (on a database thread).
  nlohmann::json agents(store::DbConn& conn) const;
  // Thread-safe; the list is read on a database thread and sent from there.
  void publish(bool availability_changed);

 private:
  store::DbPool& pool_;
  Hub& hub_;
};

}  // namespace parley::chat
