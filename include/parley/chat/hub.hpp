#pragma once
// Who is connected, and fan-out to them. Sets of weak links are copied under the mutex
// and written to after it is released: no lock is held while calling out.
#include <cstdint>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <mutex>
#include <vector>

#include "parley/chat/link.hpp"
#include "parley/hours/business_hours.hpp"

namespace parley::chat {

class Hub {
 public:
  void add_visitor(std::int64_t visitor_id, const std::shared_ptr<ClientLink>& link);
  void remove_visitor(std::int64_t visitor_id, const ClientLink* link);
  bool visitor_connected(std::int64_t visitor_id) const;
  std::vector<std::int64_t> visitor_ids() const;
  // Called (outside the hub's lock) when a visitor's first tab here opens or its last closes:
  // other processes learn of it through chat/visitor_presence_sync.hpp. Set once before serving.
  void set_visitor_listener(std::function<void(std::int64_t)> listener) { visitor_listener_ = std::move(listener); }

  // Returns true when this changed whether the team is available.
  bool add_agent(std::int64_t agent_id, const std::shared_ptr<ClientLink>& link, bool online);
  bool remove_agent(std::int64_t agent_id, const ClientLink* link);
  bool set_agent_online(std::int64_t agent_id, bool online);

  // Visitor sockets that have not authenticated yet, with when they opened: a socket that
  // never sends `auth` must not hold one of the process's ~19,000 files for as long as it
  // answers pings. close_unauthenticated closes those opened before `deadline`.
  void add_unauthenticated(const std::shared_ptr<ClientLink>& link, std::chrono::steady_clock::time_point opened);
  void remove_unauthenticated(const ClientLink* link);
  std::size_t close_unauthenticated(std::chrono::steady_clock::time_point opened_before, int code,
                                    const std::string& reason);

  void send_to_visitor(std::int64_t visitor_id, const Frame& frame) const;
  // A page of the event log, in order: each socket gets its share of it in one send_many.
  struct Delivery {
    Frame to_agents;               // null: agents get nothing
    std::int64_t visitor_id = 0;   // 0: no visitor
    Frame to_visitor;
    std::weak_ptr<ClientLink> from_socket;  // the socket it was acked on: not pushed there (event_origins.hpp)
  };
  void deliver(const std::vector<Delivery>& page) const;
  void send_to_agents(const Frame& frame) const;
  void send_to_all_visitors(const Frame& frame) const;
  void close_agent(std::int64_t agent_id, int code, const std::string& reason) const;

  // Agents connected to another Parley process, as it announced them (see cluster.hpp);
  // forgotten at `expires` unless announced again. set_remote_agents answers whether the
  // set of agents changed and whether team availability changed; expire_remote the latter.
  struct RemoteChange {
    bool agents_changed = false;
    bool availability_changed = false;
  };
  RemoteChange set_remote_agents(const std::string& process, std::map<std::int64_t, bool> agents,
                         std::chrono::steady_clock::time_point expires);
  bool expire_remote(std::chrono::steady_clock::time_point now);

  // At least one agent is connected (to any process) and not away, within business hours.
  bool team_available() const;
  // Business hours (docs/INBOX.md, Hours): outside them the team is away whoever is online.
  // Set once before serving; null (the default) is always open.
  void set_hours(const hours::BusinessHours* hours) { hours_ = hours; }
  // The `hours` of visitor frames: null when no schedule is set (hours/business_hours.hpp).
  nlohmann::json hours_doc() const { return hours_ ? hours_->visitor_doc() : nlohmann::json(); }
  bool open_now() const { return !hours_ || hours_->open_now(); }
  const hours::BusinessHours* hours() const { return hours_; }
  // Agent id → online (connected and not away), across processes; only connected agents.
  std::map<std::int64_t, bool> connected_agents() const;
  // The same, for the agents connected to this process only.
  std::map<std::int64_t, bool> local_agents() const;
  std::size_t visitor_links() const;
  std::size_t agent_links() const;

 private:
  struct Links {
    std::vector<std::weak_ptr<ClientLink>> links;
  };
  static void remove_link(std::map<std::int64_t, Links>& map, std::int64_t id, const ClientLink* link);
  // The live links of one id, or of every id; called with mutex_ held.
  static std::vector<std::shared_ptr<ClientLink>> links_of(const std::map<std::int64_t, Links>& map, std::int64_t id);
  static std::vector<std::shared_ptr<ClientLink>> collect(const std::map<std::int64_t, Links>& map);
  bool team_available_locked() const;

  const hours::BusinessHours* hours_ = nullptr;
  std::function<void(std::int64_t)> visitor_listener_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, Links> visitors_;
  std::map<std::int64_t, Links> agents_;
  std::map<std::int64_t, bool> agent_online_;  // preference of connected agents
  struct Unauthenticated {
    std::weak_ptr<ClientLink> link;
    std::chrono::steady_clock::time_point opened;
  };
  std::map<const ClientLink*, Unauthenticated> unauthenticated_;
  struct RemoteAgents {
    std::map<std::int64_t, bool> agents;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, RemoteAgents> remote_;  // by process id
};

}  // namespace parley::chat
