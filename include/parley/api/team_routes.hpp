#pragma once
// The team and profile routes (src/api/team_api.cpp; docs/PROTOCOL.md, "Team and profile").
#include "parley/api/api.hpp"

namespace parley::api {

// /api/team/* (admins), /api/invitations/* (the one-time link page), /api/me/preferences.
void register_team_routes(http::Router& router, ApiContext& ctx);

}  // namespace parley::api
