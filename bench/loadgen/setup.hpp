#pragma once
// What a run needs before it starts: visitor tokens and an agent's session cookie, fetched
// over the server's own REST API (POST /api/visitors/identify, POST /api/auth/login).
#include <string>
#include <vector>

#include "options.hpp"

namespace loadgen {

// `count` new anonymous visitors' tokens, fetched by `parallel` keep-alive connections.
std::vector<std::string> identify_visitors(const Endpoint& server, std::size_t count, std::size_t parallel = 8);

// The Cookie header value ("name=value") of a new agent session.
std::string login_agent(const Endpoint& server, const std::string& email, const std::string& password);

}  // namespace loadgen
