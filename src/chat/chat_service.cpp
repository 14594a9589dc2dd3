#include "parley/chat/chat_service.hpp"

#include "connection_base.hpp"

namespace parley::chat {
namespace {
const store::Statement kAgentDocs{"agent_docs", "SELECT id, doc::text FROM agent_doc ORDER BY lower(doc->>'name'), id"};
}  // namespace

ChatService::ChatService(const Config& config, store::DbPool& pool, MessageWriter& writer, Hub& hub)
    : config_(config), pool_(pool), writer_(writer), hub_(hub) {}

void ChatService::post_message(PendingMessage message, std::function<void(Outcome<StoredMessage>)> done) {
  Hub& hub = hub_;
  // Offline mode decides by availability when the visitor wrote, not when it is committed.
  if (message.sender == "VISITOR") message.team_available = hub_.team_available();
  message.done = [&hub, done = std::move(done)](Outcome<StoredMessage> result) {
    // On the writer thread, in commit order: deliver before acknowledging, so every
    // socket sees messages in the order they were committed.
    if (result.ok() && result.value().inserted) {
      Frame frame = message_frame(result.value().doc);
      hub.send_to_visitor(result.value().visitor_id, frame);
      hub.send_to_agents(frame);
    }
    done(std::move(result));
  };
  writer_.submit(std::move(message));
}

void ChatService::publish_conversation(const std::string& conversation_doc) {
  hub_.send_to_agents(make_frame(R"({"type":"conversation","conversation":)" + conversation_doc + "}"));
  auto doc = nlohmann::json::parse(conversation_doc, nullptr, false);
  if (doc.is_discarded()) return;
  nlohmann::json brief = {{"type", "conversation"},
                          {"conversation", {{"id", doc["id"]}, {"status", doc["status"]}, {"version", doc["version"]}}}};
  hub_.send_to_visitor(doc["visitor"]["id"].get<std::int64_t>(), make_frame(brief.dump()));
}

void ChatService::set_agent_online(std::int64_t agent_id, bool online) {
  bool changed = hub_.set_agent_online(agent_id, online);
  publish_agents(changed);
}

void ChatService::publish_agents(bool availability_changed) {
  if (availability_changed) {
    nlohmann::json presence = {{"type", "presence"}, {"teamAvailable", hub_.team_available()}};
    hub_.send_to_all_visitors(make_frame(presence.dump()));
  }
  auto self = shared_from_this();
  pool_.run<std::string>(
      [](store::DbConn& conn) {
        pqxx::read_transaction txn(conn.raw());
        std::string out = "[";
        for (const auto& row : conn.exec(txn, kAgentDocs)) {
          if (out.size() > 1) out += ",";
          out += row[1].c_str();
        }
        return out + "]";
      },
      [self](Outcome<std::string> agents) {
        if (!agents.ok()) return;
        auto list = nlohmann::json::parse(agents.value());
        auto connected = self->hub_.connected_agents();
        for (auto& a : list) {
          auto it = connected.find(a["id"].get<std::int64_t>());
          a["connected"] = it != connected.end();
          a["online"] = it != connected.end() && it->second;
        }
        nlohmann::json frame = {{"type", "agents"}, {"agents", list}};
        self->hub_.send_to_agents(make_frame(frame.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
      });
}

}  // namespace parley::chat
