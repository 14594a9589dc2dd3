#pragma once
// The real-time side of the domain: what visitor and agent sockets may do, and the
// fan-out of everything that happens. Knows nothing of Beast (see client_link.hpp).
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "parley/chat/client_link.hpp"
#include "parley/chat/hub.hpp"
#include "parley/chat/message_writer.hpp"
#include "parley/config/config.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {

// An authenticated agent, as the session lookup found them.
struct AgentIdentity {
  std::int64_t id = 0;
  std::string name;
  nlohmann::json doc;  // the Agent document (id, email, name, role, status)
};

class ChatService : public std::enable_shared_from_this<ChatService> {
 public:
  ChatService(const Config& config, store::DbPool& pool, MessageWriter& writer, Hub& hub);

  std::shared_ptr<FrameHandler> visitor_handler();
  std::shared_ptr<FrameHandler> agent_handler(AgentIdentity agent);

  // Stores a message and delivers it to everyone concerned, in commit order; `done`
  // gets the stored Message document (also for a re-send of an already stored one).
  void post_message(PendingMessage message, std::function<void(Outcome<StoredMessage>)> done);

  // Tells agents (full document) and the conversation's visitor (id and status) that a
  // conversation changed.
  void publish_conversation(const std::string& conversation_doc);
  // Sends the agent list with who is connected to every agent, and availability to
  // visitors when it changed.
  void publish_agents(bool availability_changed);
  void set_agent_online(std::int64_t agent_id, bool online);

  store::DbPool& pool() { return pool_; }
  Hub& hub() { return hub_; }
  const Config& config() const { return config_; }

 private:
  const Config& config_;
  store::DbPool& pool_;
  MessageWriter& writer_;
  Hub& hub_;
};

// Validation shared by both roles; throws ApiError(400) with the field named.
std::string validated_body(const nlohmann::json& frame);
std::string validated_client_id(const nlohmann::json& frame);

}  // namespace parley::chat
