#include "parley/chat/chat_service.hpp"

#include "parley/chat/agent_roster.hpp"
#include "parley/chat/cluster.hpp"

namespace parley::chat {

ChatService::ChatService(store::DbPool& pool, MessageWriter& writer, Hub& hub, Cluster& cluster, AgentRoster& roster,
                         conversation::Conversations& conversations, conversation::ReadPositions& reads)
    : parts_{pool, hub, conversations, reads}, writer_(writer), cluster_(cluster), roster_(roster) {}

bool ChatService::post_message(PendingMessage message, std::function<void(Outcome<StoredMessage>)> done) {
  // Offline mode decides by availability when the visitor wrote, not when it is committed.
  if (message.sender == "VISITOR") message.team_available = parts_.hub.team_available();
  message.done = std::move(done);
  return writer_.submit(std::move(message));
}

void ChatService::broadcast(const std::string& frame, std::int64_t visitor_id, bool to_agents) {
  cluster_.broadcast(frame, visitor_id, to_agents);
}

void ChatService::close_agent(std::int64_t agent_id) { cluster_.close_agent(agent_id, 4001, "session ended"); }

void ChatService::set_agent_online(std::int64_t agent_id, bool online) {
  local_presence_changed(parts_.hub.set_agent_online(agent_id, online));
}

void ChatService::local_presence_changed(bool availability_changed) {
  cluster_.announce_presence();
  roster_.publish(availability_changed);
}

}  // namespace parley::chat
