#pragma once
// Shared by help_api.cpp (REST) and help_pages.cpp (the /help pages).
#include "helpers.hpp"

namespace parley::api {

using HelpHandler = std::function<void(ApiContext&, HelpServices&, const http::Request&, http::Responder)>;
// A route served by a named handler that needs the help center's parts; an ApiError thrown
// by the handler itself is answered as such.
void add_help_route(http::Router& router, ApiContext& ctx, HelpServices& help, const char* method, const char* path,
                    HelpHandler handler, std::size_t body_limit = http::kDefaultBodyLimit);

// The search text of ?q=: valid single-line text of at most 200 characters, trimmed
// (ApiError invalid_field otherwise).
std::string parse_search_query(const std::string& raw);
// ApiError 429 when this client address has searched too often (loopback is not limited).
void check_search_rate(HelpServices& help, const http::Request& request);

// A failed search's error: the search pool's full queue (503 overloaded) as 503 search_busy;
// any other error as it is.
ApiError search_error(const ApiError& e);
// When a client should try a refused search again, for a Retry-After header: "1" for
// search_busy (a full queue drains in moments); "" for any other error.
std::string search_retry_after(const ApiError& e);

void register_help_pages(http::Router& router, ApiContext& ctx, HelpServices& help);

}  // namespace parley::api
