#pragma once
// The real-time side of the domain: what visitor and agent sockets may do, and the
// fan-out of everything that happens. Knows nothing of Beast (see link/client_link.hpp).
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "parley/chat/hub.hpp"
#include "parley/chat/link.hpp"
#include "parley/chat/message_writer.hpp"
#include "parley/chat/visitor_auth_batcher.hpp"
#include "parley/hours/schedule.hpp"
#include "parley/conversation/conversations.hpp"
#include "parley/conversation/read_positions.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {

// An authenticated agent, as the session lookup found them.
struct AgentIdentity {
  std::int64_t id = 0;
  std::string name;
  nlohmann::json doc;  // the Agent document (id, email, name, role, status)
};

class AgentRoster;
class Cluster;

class ChatService : public std::enable_shared_from_this<ChatService> {
 public:
  ChatService(store::DbPool& pool, MessageWriter& writer, Hub& hub, Cluster& cluster, AgentRoster& roster,
              conversation::Conversations& conversations, conversation::ReadPositions& reads);

  std::shared_ptr<FrameHandler> visitor_handler();
  std::shared_ptr<FrameHandler> agent_handler(AgentIdentity agent);

  // Stores a message; `done` gets the stored Message document after the commit (also for a
  // re-send of one stored before). Delivery to sockets goes through the event log, so every
  // process — this one included — delivers in commit order. Returns false when the writer
  // refused it at once (overloaded; `done` has been told).
  bool post_message(PendingMessage message, std::function<void(Outcome<StoredMessage>)> done);

  // Ephemeral, to every process: typing indicators.
  void broadcast(const std::string& frame, std::int64_t visitor_id, bool to_agents);
  // Closes the agent's sockets on every process (logout, password change).
  void close_agent(std::int64_t agent_id);

  // This process's agents changed (connected, left, online/away): tell agents and visitors
  // here, and the other processes.
  void local_presence_changed(bool availability_changed);
  void set_agent_online(std::int64_t agent_id, bool online);

  // What a connection works with; handed to each connection this service creates.
  struct ConnectionParts {
    store::DbPool& pool;
    Hub& hub;
    conversation::Conversations& conversations;
    conversation::ReadPositions& reads;
    VisitorAuthBatcher& visitor_auth;
  };

  // Visitor `auth` lookups and the statements they took (for /metrics).
  const VisitorAuthBatcher::Stats& visitor_auth_stats() const { return visitor_auth_->stats(); }

 private:
  void post_away_reply(std::int64_t conversation_id, const hours::State& closed);
  std::shared_ptr<VisitorAuthBatcher> visitor_auth_;  // before parts_, which refers to it
  ConnectionParts parts_;
  MessageWriter& writer_;
  Cluster& cluster_;
  AgentRoster& roster_;
};

// Validation shared by both roles; throws ApiError(400) with the field named.
std::string validated_body(const nlohmann::json& frame);
std::string validated_client_id(const nlohmann::json& frame);

}  // namespace parley::chat
