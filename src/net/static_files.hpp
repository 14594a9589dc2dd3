#pragma once
#include "parley/config/config.hpp"
#include "parley/net/http_types.hpp"

namespace parley::net {

// Answers GET/HEAD for an embedded asset, or returns false when `path` names none.
bool serve_static(const http::Request& request, http::Response& response, const Config& config);

}  // namespace parley::net
