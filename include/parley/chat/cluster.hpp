#pragma once
// What Parley processes sharing one database tell each other that is not worth storing:
// typing, who of the agents is connected, "close this agent's sockets". Sent as NOTIFY on
// kSignalsChannel, received through the EventFeed. A process knows nothing of the others
// beyond what they announce: each re-announces its agents every few seconds, and what is
// not re-announced expires (a process killed with SIGKILL simply stops announcing).
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "parley/chat/hub.hpp"
#include "parley/core/periodic_thread.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::chat {

inline constexpr const char* kSignalsChannel = "parley_signals";

class AgentRoster;

class Cluster {
 public:
  // `roster` republishes the agents when another process's announcement changed them.
  // This process's agents are also written to PostgreSQL (auth/agent_presence.hpp) for
  // automatic assignment; `presence_stored` is called after a change of them is committed.
  Cluster(store::DbPool& pool, Hub& hub, AgentRoster& roster, std::function<void()> presence_stored = {});
  ~Cluster();

  void start();
  void stop();

  // Delivers `frame` to this process's sockets and every other process's: to agents when
  // `to_agents`, to the visitor's tabs when `visitor_id` is not 0.
  void broadcast(const std::string& frame, std::int64_t visitor_id, bool to_agents);
  void close_agent(std::int64_t agent_id, int code, const std::string& reason);
  // This process's connected agents changed (`changed` false: the periodic re-announcement).
  void announce_presence(bool changed = true);
  // Asks every process to announce (after this one connected or reconnected).
  void say_hello();

  void on_signal(const std::string& payload);  // from the EventFeed thread
  // This process's name among the others (random, new at every start).
  const std::string& process_id() const { return process_id_; }

 private:
  void notify(const std::string& payload);
  void heartbeat();
  void store_presence(bool changed);

  store::DbPool& pool_;
  Hub& hub_;
  AgentRoster& roster_;
  std::string process_id_;
  std::function<void()> presence_stored_;
  std::mutex presence_mutex_;  // one presence write at a time: the last one written is the latest
  PeriodicThread heartbeat_;
};

// From outside any server process (the agent CLI): every process closes the agent's sockets.
void close_agent_everywhere(store::DbConn& conn, std::int64_t agent_id, int code, const std::string& reason);

}  // namespace parley::chat
