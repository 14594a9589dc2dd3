#include "parley/chat/chat_service.hpp"

#include "connection_base.hpp"
#include "parley/chat/cluster.hpp"

namespace parley::chat {
namespace {
const store::Statement kAgentDocs{"agent_docs", "SELECT id, doc::text FROM agent_doc ORDER BY lower(doc->>'name'), id"};
}  // namespace

ChatService::ChatService(const Config& config, store::DbPool& pool, MessageWriter& writer, Hub& hub, Cluster& cluster)
    : config_(config), pool_(pool), writer_(writer), hub_(hub), cluster_(cluster) {}

void ChatService::post_message(PendingMessage message, std::function<void(Outcome<StoredMessage>)> done) {
  // Offline mode decides by availability when the visitor wrote, not when it is committed.
  if (message.sender == "VISITOR") message.team_available = hub_.team_available();
  message.done = std::move(done);
  writer_.submit(std::move(message));
}

void ChatService::broadcast(const std::string& frame, std::int64_t visitor_id, bool to_agents) {
  cluster_.broadcast(frame, visitor_id, to_agents);
}

void ChatService::close_agent(std::int64_t agent_id) { cluster_.close_agent(agent_id, 4001, "session ended"); }

void ChatService::set_agent_online(std::int64_t agent_id, bool online) {
  local_presence_changed(hub_.set_agent_online(agent_id, online));
}

void ChatService::local_presence_changed(bool availability_changed) {
  cluster_.announce_presence();
  publish_agents(availability_changed);
}

void ChatService::remote_presence_changed(bool availability_changed) { publish_agents(availability_changed); }

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
