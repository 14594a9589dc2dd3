#include "parley/context/visitor_of_conversation.hpp"

namespace parley::context {
namespace {

const store::Statement kVisitorOfConversation{"context_visitor_of_conversation", R"SQL(
SELECT v.id, coalesce(v.user_id, ''), coalesce(v.email, ''), v.verified
FROM conversation c JOIN visitor v ON v.id = c.visitor_id
WHERE c.id = $1)SQL"};

}  // namespace

std::optional<VisitorIdentity> visitor_of_conversation(store::DbConn& conn, std::int64_t conversation_id) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kVisitorOfConversation, conversation_id);
  if (r.empty()) return std::nullopt;
  VisitorIdentity v;
  v.visitor_id = r[0][0].as<std::int64_t>();
  v.user_id = r[0][1].as<std::string>();
  v.email = r[0][2].as<std::string>();
  v.verified = r[0][3].as<bool>() && !v.user_id.empty();
  return v;
}

}  // namespace parley::context
