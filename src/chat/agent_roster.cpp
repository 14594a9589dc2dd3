#include "parley/chat/agent_roster.hpp"

#include "parley/auth/agent_accounts.hpp"

namespace parley::chat {

nlohmann::json AgentRoster::agents(store::DbConn& conn) const {
  auto docs = auth::active_agent_docs(conn);
  auto connected = hub_.connected_agents();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& doc : docs) {
    auto a = nlohmann::json::parse(doc);
    auto it = connected.find(a["id"].get<std::int64_t>());
    a["connected"] = it != connected.end();
    a["online"] = it != connected.end() && it->second;
    list.push_back(std::move(a));
  }
  return list;
}

void AgentRoster::publish(bool availability_changed) {
  if (availability_changed) {
    nlohmann::json presence = {{"type", "presence"}, {"teamAvailable", hub_.team_available()}};
    if (auto hours = hub_.hours_doc(); !hours.is_null()) presence["hours"] = std::move(hours);
    hub_.send_to_all_visitors(make_frame(presence.dump()));
  }
  pool_.run<nlohmann::json>([this](store::DbConn& conn) { return agents(conn); },
                            [this](Outcome<nlohmann::json> list) {
                              if (!list.ok()) return;
                              nlohmann::json frame = {{"type", "agents"}, {"agents", list.value()}};
                              hub_.send_to_agents(
                                  make_frame(frame.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
                            });
}

}  // namespace parley::chat
