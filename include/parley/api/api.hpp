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

namespace parley::notes {
class Notes;
}

namespace parley::routing {
class Router;
class Wakeup;
}

namespace parley::help {
class ArticleStore;
class ArticleSearch;
class PageCache;
class AnswerCache;
}

namespace parley::search {
class MessageSearch;
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
  routing::Router* router = nullptr;  // automatic assignment (its metrics)
  routing::Wakeup* routing_wakeup = nullptr;  // pulled when settings or capacity change
  const help::AnswerCache* help_answers = nullptr;  // the help search's answer cache (its metrics)
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
// Private notes and @mentions, agents only (docs/PROTOCOL.md, "Notes and mentions").
void register_notes_routes(http::Router& router, ApiContext& ctx, notes::Notes& notes);
// /api/canned-replies (docs/INBOX.md).
void register_canned_reply_routes(http::Router& router, ApiContext& ctx);
// The widget's stored settings: public read, admin write (docs/EMBED.md).
void register_widget_settings_routes(http::Router& router, ApiContext& ctx);
// GET/POST /api/routing and POST /api/routing/agents/:id (docs/PROTOCOL.md "Routing").
void register_routing_routes(http::Router& router, ApiContext& ctx);
// /api/hours: business hours (docs/INBOX.md, Hours).
void register_hours_routes(http::Router& router, ApiContext& ctx, hours::BusinessHours& live);

// The help center's parts (docs/HELP_CENTER.md), owned by serve().
struct HelpServices {
  help::ArticleStore& articles;
  help::ArticleSearch& search;
  SlidingWindowLimit& search_by_address;  // public searches per client address
  help::PageCache& pages;                  // rendered /help pages, forgotten on every write
  help::AnswerCache& answers;              // recent search answers, forgotten on every write
  // The search's own connections (ArticleSearch::session_setup): at most as many searches in
  // PostgreSQL at once as it has threads, a bounded queue (503 search_busy past it).
  store::DbPool& search_pool;
};
// /api/articles (agents), /api/help/* (public) and the /help pages.
void register_help_routes(http::Router& router, ApiContext& ctx, HelpServices& help);

// The inbox's search (docs/INBOX.md#search), owned by serve(): its own small pool of database
// connections, so searches queue behind each other and never in front of chat work.
struct SearchServices {
  search::MessageSearch& search;
  store::DbPool& pool;
};
// GET /api/search.
void register_search_routes(http::Router& router, ApiContext& ctx, SearchServices& search);

// GET /metrics (Prometheus text), for PARLEY_METRICS_ALLOW only; also installs the counting
// hooks on the server and the writer. Call before the server runs; keep the returned handle
// for as long as the server runs.
std::shared_ptr<void> register_metrics_routes(http::Router& router, ApiContext& ctx, net::ServerStats& server,
                                              chat::MessageWriter& writer, const chat::Hub& hub,
                                              const chat::EventFeed& feed);

}  // namespace parley::api
