#include "ws_upgrade.hpp"

#include <algorithm>

#include "parley/auth/agent_accounts.hpp"

namespace parley::app {

net::UpgradeHandler make_upgrade_handler(api::ApiContext& ctx) {
  return [&ctx](const http::Request& request, std::function<void(net::UpgradeResult)> done) {
    std::string origin = origin_of(request.header("origin"));
    auto listed = [&origin](const std::vector<std::string>& origins) {
      return std::find(origins.begin(), origins.end(), origin) != origins.end();
    };
    // The chat frame says role=visitor: on Parley's own origin (the demo page) a logged-in
    // agent's cookie rides along with the visitor's socket, and must not make it an agent's.
    bool visitor = request.query_param("role") == "visitor";
    std::string token = visitor ? std::string() : request.cookie(auth::kSessionCookie);
    if (!token.empty()) {
      if (!listed(ctx.agent_origins)) return done(ApiError(403, "bad_origin", "WebSocket from a foreign origin refused"));
      auto chat = ctx.chat;
      ctx.pool.run<std::optional<auth::AgentRecord>>(
          [token](store::DbConn& conn) { return auth::agent_for_session(conn, token); },
          [chat, done](Outcome<std::optional<auth::AgentRecord>> r) {
            if (!r.ok()) return done(r.error());
            if (!r.value()) return done(ApiError::unauthenticated("Your session has ended; log in again"));
            const auto& a = *r.value();
            done(chat->agent_handler(chat::AgentIdentity{a.id, a.name, a.doc}));
          });
      return;
    }
    const auto& allowed = ctx.config.allowed_origins;
    if (!allowed.empty() && !listed(allowed) && !listed(ctx.agent_origins)) {
      return done(ApiError(403, "bad_origin", "This site may not open the chat"));
    }
    done(ctx.chat->visitor_handler());
  };
}

}  // namespace parley::app
