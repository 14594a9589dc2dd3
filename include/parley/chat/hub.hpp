#pragma once
// Who is connected, and fan-out to them. Sets of weak links are copied under the mutex
// and written to after it is released: no lock is held while calling out.
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "parley/chat/client_link.hpp"

namespace parley::chat {

class Hub {
 public:
  void add_visitor(std::int64_t visitor_id, const std::shared_ptr<ClientLink>& link);
  void remove_visitor(std::int64_t visitor_id, const ClientLink* link);
  bool visitor_connected(std::int64_t visitor_id) const;

  // Returns true when this changed whether the team is available.
  bool add_agent(std::int64_t agent_id, const std::shared_ptr<ClientLink>& link, bool online);
  bool remove_agent(std::int64_t agent_id, const ClientLink* link);
  bool set_agent_online(std::int64_t agent_id, bool online);

  void send_to_visitor(std::int64_t visitor_id, const Frame& frame) const;
  void send_to_agents(const Frame& frame) const;
  void send_to_all_visitors(const Frame& frame) const;
  void close_agent(std::int64_t agent_id, int code, const std::string& reason) const;

  // At least one agent is connected and not away.
  bool team_available() const;
  // Agent id → online (connected and not away); only connected agents are listed.
  std::map<std::int64_t, bool> connected_agents() const;
  std::size_t visitor_links() const;
  std::size_t agent_links() const;

 private:
  struct Links {
    std::vector<std::weak_ptr<ClientLink>> links;
  };
  static void remove_link(std::map<std::int64_t, Links>& map, std::int64_t id, const ClientLink* link);
  static std::vector<std::shared_ptr<ClientLink>> collect(const std::map<std::int64_t, Links>& map);
  bool team_available_locked() const;

  mutable std::mutex mutex_;
  std::map<std::int64_t, Links> visitors_;
  std::map<std::int64_t, Links> agents_;
  std::map<std::int64_t, bool> agent_online_;  // preference of connected agents
};

}  // namespace parley::chat
