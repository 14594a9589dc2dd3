#include "parley/chat/chat_service.hpp"

#include "parley/chat/agent_roster.hpp"
#include "parley/chat/cluster.hpp"

#include <spdlog/spdlog.h>

namespace parley::chat {

ChatService::ChatService(store::DbPool& pool, MessageWriter& writer, Hub& hub, Cluster& cluster, AgentRoster& roster,
                         conversation::Conversations& conversations, conversation::ReadPositions& reads)
    : visitor_auth_(VisitorAuthBatcher::create(pool)),
      parts_{pool, hub, conversations, reads, *visitor_auth_},
      writer_(writer),
      cluster_(cluster),
      roster_(roster) {}

bool ChatService::post_message(PendingMessage message, std::function<void(Outcome<StoredMessage>)> done) {
  // Offline mode decides by availability when the visitor wrote, not when it is committed.
  std::optional<hours::State> closed;
  if (message.sender == "VISITOR") {
    message.team_available = parts_.hub.team_available();
    if (const auto* hours = parts_.hub.hours()) {
      if (auto st = hours->state_now(); !st.open) closed = st;
    }
    message.out_of_hours = closed.has_value();
  }
  std::int64_t conversation_id = message.conversation_id;
  message.done = std::move(done);
  bool accepted = writer_.submit(std::move(message));
  if (accepted && closed) post_away_reply(conversation_id, *closed);
  return accepted;
}

// Outside business hours the visitor hears so once per closed period: the reply's client id
// names the period (its end), and the message table stores a client id once per conversation,
// so later messages of the period, re-sends and restarts write no second one. The writer keeps
// submission order, so it follows the visitor's message.
void ChatService::post_away_reply(std::int64_t conversation_id, const hours::State& closed) {
  PendingMessage reply;
  reply.conversation_id = conversation_id;
  reply.sender = "BOT";
  reply.client_id = "hours-away-" + (closed.next_opening ? std::to_string(closed.next_opening->time_since_epoch().count())
                                                         : std::string("later"));
  reply.body = "Thanks for your message! We're closed right now. We'll answer here when we're back, "
               "and by email if you leave your address.";
  reply.done = [conversation_id](Outcome<StoredMessage> r) {
    if (!r.ok() && r.error().code() != "conversation_closed") {
      spdlog::warn("away reply to conversation {} not written: {}", conversation_id, r.error().what());
    }
  };
  writer_.submit(std::move(reply));
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
