#pragma once
// Who a conversation's visitor is, as far as a product-context lookup needs to know.
#include <cstdint>
#include <optional>
#include <string>

#include "parley/store/db_conn.hpp"

namespace parley::context {

struct VisitorIdentity {
  std::int64_t visitor_id = 0;
  std::string user_id;  // the customer's user id; empty when none was given
  std::string email;    // as recorded (possibly typed by the visitor in the widget)
  bool verified = false;  // the user id was proven by the identity HMAC (PRODUCT.md §2)
};

// nullopt when there is no such conversation.
std::optional<VisitorIdentity> visitor_of_conversation(store::DbConn& conn, std::int64_t conversation_id);

}  // namespace parley::context
