#include "parley/chat/event_log.hpp"

#include <nlohmann/json.hpp>

namespace parley::chat {
namespace {

// Any constant, the same in every process (it differs from the migration lock's key).
constexpr long long kEventOrderLockKey = 0x7061726c657645;  // "parlevE"

const store::Statement kLockOrder{"event_lock_order", "SELECT pg_advisory_xact_lock($1)"};
const store::Statement kAppend{"event_append", R"SQL(
INSERT INTO event_log (visitor_id, frame, to_agents, visitor_frame) VALUES ($1, $2, true, $3))SQL"};
const store::Statement kNotify{"event_notify", "SELECT pg_notify($1, '')"};

}  // namespace

void lock_event_order(store::DbConn& conn, pqxx::transaction_base& txn) { conn.exec(txn, kLockOrder, kEventOrderLockKey); }

void append_conversation_event(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& conversation_doc) {
  auto doc = nlohmann::json::parse(conversation_doc);
  nlohmann::json brief = {{"type", "conversation"},
                          {"conversation", {{"id", doc["id"]}, {"status", doc["status"]}, {"version", doc["version"]}}}};
  conn.exec(txn, kAppend, doc["visitor"]["id"].get<std::int64_t>(),
            R"({"type":"conversation","conversation":)" + conversation_doc + "}", brief.dump());
}

void notify_events(store::DbConn& conn, pqxx::transaction_base& txn) { conn.exec(txn, kNotify, std::string(kEventsChannel)); }

}  // namespace parley::chat
