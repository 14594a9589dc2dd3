#pragma once
#include "parley/api/api.hpp"
#include "parley/net/server.hpp"

namespace parley::app {

// Decides who a /ws upgrade is: an agent (session cookie, and then the Origin must be
// ours — no cross-site WebSocket hijacking) or a visitor (who authenticates in the first
// frame, from an allowed origin).
net::UpgradeHandler make_upgrade_handler(api::ApiContext& ctx);

}  // namespace parley::app
