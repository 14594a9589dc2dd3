// An agent's socket: authenticated by the session cookie at the upgrade; receives the
// inbox feed and may write into any conversation.
#include "connection_base.hpp"
#include "parley/auth/agent_accounts.hpp"

namespace parley::chat {
namespace {

std::int64_t required_id(const nlohmann::json& frame, const char* field) {
  if (!frame.contains(field) || !frame[field].is_number_integer() || frame[field].get<std::int64_t>() <= 0) {
    throw ApiError::invalid_field(std::string(field) + " must be a positive integer");
  }
  return frame[field].get<std::int64_t>();
}

class AgentConnection : public ConnectionBase {
 public:
  AgentConnection(std::shared_ptr<ChatService> service, const ChatService::ConnectionParts& parts, AgentIdentity agent)
      : ConnectionBase(std::move(service), parts), agent_(std::move(agent)) {}

  void on_open(std::weak_ptr<ClientLink> link) override {
    ConnectionBase::on_open(link);
    auto l = link.lock();
    if (!l) return;
    bool online = agent_.doc.value("status", "online") == "online";
    bool changed = parts_.hub.add_agent(agent_.id, l, online);
    reply({{"type", "ready"}, {"role", "agent"}, {"agent", agent_.doc}, {"teamAvailable", parts_.hub.team_available()}});
    service_->local_presence_changed(changed);
  }

  void on_close() override {
    bool changed = parts_.hub.remove_agent(agent_.id, link_.lock().get());
    service_->local_presence_changed(changed);
  }

 protected:
  void handle(const std::string& type, const nlohmann::json& frame) override {
    if (type == "send") return send(frame);
    if (type == "sync") return sync(frame);
    if (type == "typing") return typing(frame);
    if (type == "status") return set_status(frame);
    if (type == "read") return read(frame, conversation::Reader::agent(agent_.id));
    throw ApiError::bad_request("Unknown frame type");
  }

 private:
  void send(const nlohmann::json& frame) {
    PendingMessage m;
    m.conversation_id = required_id(frame, "conversationId");
    m.sender = "AGENT";
    m.agent_id = agent_.id;
    m.agent_name = agent_.name;
    m.client_id = validated_client_id(frame);
    m.body = validated_body(frame);
    if (auto refused = out_of_order(m.client_id)) throw *refused;
    check_message_rate(m.client_id);
    m.from_socket = link_;  // acked there: the feed does not echo it back
    std::weak_ptr<ClientLink> link = link_;
    std::string client_id = m.client_id;
    bool accepted = service_->post_message(std::move(m), [link, client_id](Outcome<StoredMessage> r) {
      auto l = link.lock();
      if (!l) return;
      if (r.ok()) {
        l->send(ack_frame(client_id, r.value().doc));
      } else {
        nlohmann::json f = {{"type", "error"}, {"code", r.error().code()}, {"message", r.error().what()}, {"clientId", client_id}};
        l->send(make_frame(f.dump()));
      }
    });
    if (!accepted) note_refused(client_id, ApiError::overloaded());
  }

  void sync(const nlohmann::json& frame) {
    std::int64_t conversation_id = required_id(frame, "conversationId");
    std::int64_t after = frame.contains("after") && frame["after"].is_number_integer() ? frame["after"].get<std::int64_t>() : 0;
    with_db<std::string>(
        [=](store::DbConn& conn) {
          pqxx::read_transaction txn(conn.raw());
          return messages_frame(conversation_id, conversation::messages_after(conn, txn, conversation_id, after));
        },
        send_frame_or_error());
  }

  void typing(const nlohmann::json& frame) {
    std::int64_t conversation_id = required_id(frame, "conversationId");
    auto now = std::chrono::steady_clock::now();
    if (now - last_typing_ < std::chrono::seconds(1)) return;
    last_typing_ = now;
    nlohmann::json f = {{"type", "typing"}, {"conversationId", conversation_id}, {"from", "agent"},
                        {"agentId", agent_.id}, {"name", agent_.name}};
    std::string text = dump(f);
    auto service = service_;
    parts_.pool.run<std::int64_t>(
        [conversation_id](store::DbConn& conn) {
          pqxx::read_transaction txn(conn.raw());
          auto visitor = conversation::visitor_of(conn, txn, conversation_id);
          if (!visitor) throw ApiError::not_found();
          return *visitor;
        },
        [service, text](Outcome<std::int64_t> visitor) {
          // Colleagues see who is typing; the visitor sees "typing…", wherever they are connected.
          service->broadcast(text, visitor.ok() ? visitor.value() : 0, true);
        });
  }

  void set_status(const nlohmann::json& frame) {
    std::string status = frame.value("status", "");
    if (status != "online" && status != "away") throw ApiError::invalid_field("status must be online or away");
    std::int64_t agent_id = agent_.id;
    agent_.doc["status"] = status;
    with_db<Unit>(
        [agent_id, status](store::DbConn& conn) {
          auth::set_presence(conn, agent_id, status);
          return Unit{};
        },
        [this, status](Outcome<Unit> r) {
          if (!r.ok()) return reply_error(r.error());
          service_->set_agent_online(agent_.id, status == "online");
        });
  }

  AgentIdentity agent_;
  std::chrono::steady_clock::time_point last_typing_{};
};

}  // namespace

std::shared_ptr<FrameHandler> ChatService::agent_handler(AgentIdentity agent) {
  return std::make_shared<AgentConnection>(shared_from_this(), parts_, std::move(agent));
}

}  // namespace parley::chat
