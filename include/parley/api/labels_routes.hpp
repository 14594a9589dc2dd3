#pragma once
// Labels' REST routes (src/api/labels_api.cpp, docs/PROTOCOL.md "Labels"): GET/POST
// /api/labels, PATCH/DELETE /api/labels/:id (admins), PUT/DELETE /api/inbox/:id/labels/:labelId.
#include "parley/api/api.hpp"
#include "parley/conversation/labels.hpp"

namespace parley::api {

void register_label_routes(http::Router& router, ApiContext& ctx, conversation::Labels& labels);

}  // namespace parley::api
