#include "parley/chat/cluster.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "parley/auth/agent_presence.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/chat/agent_roster.hpp"

namespace parley::chat {
namespace {

constexpr auto kAnnounceEvery = std::chrono::seconds(5);
constexpr auto kForgetAfter = std::chrono::seconds(15);  // three missed announcements
constexpr std::size_t kMaxPayload = 7900;                // PostgreSQL refuses 8000 bytes and more

const store::Statement kNotify{"cluster_notify", "SELECT pg_notify($1, $2)"};

std::string close_agent_signal(const std::string& from, std::int64_t agent_id, int code, const std::string& reason) {
  return nlohmann::json{{"p", from}, {"t", "close_agent"}, {"id", agent_id}, {"code", code}, {"reason", reason}}.dump();
}

}  // namespace

Cluster::Cluster(store::DbPool& pool, Hub& hub, AgentRoster& roster, std::function<void()> presence_stored)
    : pool_(pool),
      hub_(hub),
      roster_(roster),
      process_id_(auth::random_token().substr(0, 16)),
      presence_stored_(std::move(presence_stored)) {}

Cluster::~Cluster() { stop(); }

void Cluster::start() {
  heartbeat_.start(kAnnounceEvery, [this] { heartbeat(); });
}

void Cluster::stop() { heartbeat_.stop(); }

void Cluster::heartbeat() {
  announce_presence(false);
  if (hub_.expire_remote(std::chrono::steady_clock::now())) roster_.publish(true);
}

void Cluster::notify(const std::string& payload) {
  if (payload.size() > kMaxPayload) {
    spdlog::warn("cluster signal of {} bytes not sent (over the NOTIFY limit)", payload.size());
    return;
  }
  pool_.run<Unit>(
      [payload](store::DbConn& conn) {
        pqxx::nontransaction txn(conn.raw());
        conn.exec(txn, kNotify, std::string(kSignalsChannel), payload);
        return Unit{};
      },
      [](Outcome<Unit>) {});  // ephemeral: lost when the database is away, like the moment itself
}

void Cluster::broadcast(const std::string& frame, std::int64_t visitor_id, bool to_agents) {
  Frame shared = make_frame(frame);
  if (to_agents) hub_.send_to_agents(shared);
  if (visitor_id) hub_.send_to_visitor(visitor_id, shared);
  notify(nlohmann::json{{"p", process_id_}, {"t", "frame"}, {"v", visitor_id}, {"a", to_agents}, {"f", frame}}.dump());
}

void Cluster::close_agent(std::int64_t agent_id, int code, const std::string& reason) {
  hub_.close_agent(agent_id, code, reason);
  notify(close_agent_signal(process_id_, agent_id, code, reason));
}

void Cluster::announce_presence(bool changed) {
  nlohmann::json agents = nlohmann::json::object();
  for (const auto& [id, online] : hub_.local_agents()) agents[std::to_string(id)] = online;
  notify(nlohmann::json{{"p", process_id_}, {"t", "presence"}, {"agents", agents}}.dump());
  store_presence(changed);
}

void Cluster::store_presence(bool changed) {
  pool_.run<Unit>(
      [this](store::DbConn& conn) {
        // The hub is read under the mutex: whichever write commits last wrote the latest state.
        std::lock_guard lock(presence_mutex_);
        auth::store_presence(conn, process_id_, hub_.local_agents());
        return Unit{};
      },
      [this, changed](Outcome<Unit> r) {
        if (!r.ok()) spdlog::warn("agent presence not stored: {}", r.error().what());
        // Capacity may have come online: automatic assignment looks (routing/router.hpp).
        if (r.ok() && changed && presence_stored_) presence_stored_();
      });
}

void Cluster::say_hello() { notify(nlohmann::json{{"p", process_id_}, {"t", "hello"}}.dump()); }

void Cluster::on_signal(const std::string& payload) {
  auto signal = nlohmann::json::parse(payload, nullptr, false);
  if (signal.is_discarded() || !signal.is_object() || signal.value("p", "") == process_id_) return;
  std::string type = signal.value("t", "");
  try {
    if (type == "frame") {
      Frame frame = make_frame(signal.at("f").get<std::string>());
      if (signal.value("a", false)) hub_.send_to_agents(frame);
      if (auto visitor = signal.value("v", std::int64_t{0})) hub_.send_to_visitor(visitor, frame);
    } else if (type == "close_agent") {
      hub_.close_agent(signal.at("id").get<std::int64_t>(), signal.value("code", 4001), signal.value("reason", "session ended"));
    } else if (type == "presence") {
      std::map<std::int64_t, bool> agents;
      for (const auto& [id, online] : signal.at("agents").items()) agents[std::stoll(id)] = online.get<bool>();
      auto change = hub_.set_remote_agents(signal.at("p").get<std::string>(), std::move(agents),
                                           std::chrono::steady_clock::now() + kForgetAfter);
      if (change.agents_changed) roster_.publish(change.availability_changed);
    } else if (type == "hello") {
      announce_presence(false);
    }
  } catch (const std::exception& e) {
    spdlog::warn("ignoring a malformed cluster signal: {}", e.what());
  }
}

void close_agent_everywhere(store::DbConn& conn, std::int64_t agent_id, int code, const std::string& reason) {
  pqxx::nontransaction txn(conn.raw());
  conn.exec(txn, kNotify, std::string(kSignalsChannel), close_agent_signal("admin", agent_id, code, reason));
}

}  // namespace parley::chat
