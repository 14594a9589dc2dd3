#pragma once
// The load generator's modes. Each prints one JSON line of results on stdout and returns
// the process exit code.
#include "options.hpp"

namespace loadgen {

int run_idle(const Options& options);       // N authenticated visitor sockets held open
int run_relay(const Options& options);      // open-loop visitor → agent message relay
int run_coldstart(const Options& options);  // exec a server, time until GET /readyz is 200
int run_identify(const Options& options);   // N new visitor tokens, one a line
int run_storm(const Options& options);      // V visitors × T tabs reconnecting at once

}  // namespace loadgen
