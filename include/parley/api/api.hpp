#pragma once
// REST handlers: thin — parse, call the domain, render. Each file registers its routes.
#include <memory>

#include "parley/core/sliding_window_limit.hpp"
#include "parley/chat/agent_roster.hpp"
#include "parley/chat/chat_service.hpp"
#include "parley/config/config.hpp"
#include "parley/conversation/conversations.hpp"
#include "parley/net/router.hpp"

namespace parley::net {
struct ServerStats;
}

namespace parley::chat {
class EventFeed;
}

namespace parley::context {
class ContextService;
}

namespace parley::bot {
class Bot;
}

namespace parley::help {
class ArticleStore;
class ArticleSearch;
class PageCache;
}

namespace parley::hours {
class BusinessHours;
}

namespace parley::api {

struct ApiContext {
  const Config& config;
  store::DbPool& pool;
  std::shared_ptr<chat::ChatService> chat;
  conversation::Conversations& conversations;
  chat::AgentRoster& roster;
  SlidingWindowLimit& identify_by_address;  // new visitors per client address
  std::string public_origin;  // the origin agents' browsers use (Origin checks)
  std::vector<std::string> agent_origins;  // accepted Origin values for agent requests
  bot::Bot* bot = nullptr;  // the FAQ bot (its choice and report routes, its metrics)
};

void register_health_routes(http::Router& router, ApiContext& ctx);
void register_visitor_routes(http::Router& router, ApiContext& ctx);
void register_auth_routes(http::Router& router, ApiContext& ctx);
void register_inbox_routes(http::Router& router, ApiContext& ctx);
// GET /api/inbox/conversations/:id/context (docs/CONTEXT.md).
void register_context_routes(http::Router& router, ApiContext& ctx, context::ContextService& service);
// The emailed CSAT survey page (/csat/<token>) and GET /api/reports/csat (docs/CSAT.md).
void register_csat_routes(http::Router& router, ApiContext& ctx);
void register_bot_routes(http::Router& router, ApiContext& ctx);
// /api/hours: business hours (docs/INBOX.md, Hours).
void register_hours_routes(http::Router& router, ApiContext& ctx, hours::BusinessHours& live);

// The help center's parts (docs/HELP_CENTER.md), owned by serve().
struct HelpServices {
  help::ArticleStore& articles;
  help::ArticleSearch& search;
  SlidingWindowLimit& search_by_address;  // public searches per client address
  help::PageCache& pages;                  // rendered /help pages, forgotten on every write
};
// /api/articles (agents), /api/help/* (public) and the /help pages.
void register_help_routes(http::Router& router, ApiContext& ctx, HelpServices& help);

// GET /metrics (Prometheus text), for PARLEY_METRICS_ALLOW only; also installs the counting
// hooks on the server and the writer. Call before the server runs; keep the returned handle
// for as long as the server runs.
std::shared_ptr<void> register_metrics_routes(http::Router& router, ApiContext& ctx, net::ServerStats& server,
                                              chat::MessageWriter& writer, const chat::Hub& hub,
                                              const chat::EventFeed& feed);

}  // namespace parley::api
