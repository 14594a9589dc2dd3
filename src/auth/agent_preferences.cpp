#include "parley/auth/agent_preferences.hpp"

#include "parley/core/error.hpp"

namespace parley::auth {
namespace {

const store::Statement kRead{"agent_prefs_read", "SELECT notification_prefs::text FROM agent WHERE id = $1"};
const store::Statement kLockRead{"agent_prefs_lock",
                                 "SELECT notification_prefs::text FROM agent WHERE id = $1 FOR UPDATE"};
const store::Statement kWrite{"agent_prefs_write", "UPDATE agent SET notification_prefs = $2::jsonb WHERE id = $1"};

constexpr const char* kChannels[] = {"desktop", "sound"};
constexpr const char* kEvents[] = {"newConversation", "newMessageOnMine", "mentions"};

bool flag(const nlohmann::json& object, const char* key) {
  return !(object.is_object() && object.contains(key) && object[key].is_boolean()) || object[key].get<bool>();
}

// Copies the booleans of `changes` (checked) onto `into`, for the keys in `keys`.
template <std::size_t N>
void apply(nlohmann::json& into, const nlohmann::json& changes, const char* const (&keys)[N], const std::string& where) {
  if (!changes.is_object()) throw ApiError::invalid_field(where + " must be an object");
  for (const auto& [key, value] : changes.items()) {
    bool known = false;
    for (const char* k : keys) known = known || key == k;
    if (!known) throw ApiError::invalid_field("unknown preference " + where + key.substr(0, 40));
    if (!value.is_boolean()) throw ApiError::invalid_field(where + key + " must be true or false");
    into[key] = value;
  }
}

}  // namespace

nlohmann::json complete_preferences(const nlohmann::json& stored) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* k : kChannels) out[k] = flag(stored, k);
  const nlohmann::json events = stored.is_object() && stored.contains("events") ? stored["events"] : nlohmann::json();
  out["events"] = nlohmann::json::object();
  for (const char* k : kEvents) out["events"][k] = flag(events, k);
  return out;
}

nlohmann::json notification_preferences(store::DbConn& conn, std::int64_t agent_id) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kRead, agent_id);
  if (r.empty()) throw ApiError::not_found("No such agent");
  return complete_preferences(nlohmann::json::parse(r[0][0].c_str()));
}

nlohmann::json set_notification_preferences(store::DbConn& conn, std::int64_t agent_id, const nlohmann::json& changes) {
  if (!changes.is_object()) throw ApiError::invalid_field("the preferences must be an object");
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kLockRead, agent_id);
  if (r.empty()) throw ApiError::not_found("No such agent");
  nlohmann::json prefs = complete_preferences(nlohmann::json::parse(r[0][0].c_str()));
  for (const auto& [key, value] : changes.items()) {
    if (key == "events") {
      apply(prefs["events"], value, kEvents, "events.");
    } else {
      nlohmann::json one = nlohmann::json::object({{key, value}});
      apply(prefs, one, kChannels, "");
    }
  }
  conn.exec(txn, kWrite, agent_id, prefs.dump());
  txn.commit();
  return prefs;
}

}  // namespace parley::auth
