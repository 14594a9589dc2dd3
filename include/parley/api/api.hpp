#pragma once
// REST handlers: thin — parse, call the domain, render. Each file registers its routes.
#include <memory>

#include "parley/auth/login_throttle.hpp"
#include "parley/chat/chat_service.hpp"
#include "parley/net/router.hpp"

namespace parley::api {

struct ApiContext {
  const Config& config;
  store::DbPool& pool;
  std::shared_ptr<chat::ChatService> chat;
  auth::LoginThrottle& throttle_by_address;
  auth::LoginThrottle& throttle_by_account;
  std::string public_origin;  // the origin agents' browsers use (Origin checks)
  std::vector<std::string> agent_origins;  // accepted Origin values for agent requests
};

void register_health_routes(http::Router& router, ApiContext& ctx);
void register_visitor_routes(http::Router& router, ApiContext& ctx);
void register_auth_routes(http::Router& router, ApiContext& ctx);
void register_inbox_routes(http::Router& router, ApiContext& ctx);

}  // namespace parley::api
