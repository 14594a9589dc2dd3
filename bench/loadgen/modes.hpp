#pragma once
// The load generator's modes. Each prints one JSON line of results on stdout and returns
// the process exit code.
#include "options.hpp"

namespace loadgen {

int run_idle(const Options& options);       // N authenticated visitor sockets held open
int run_relay(const Options& options);      // open-loop visitor → agent message relay
int run_coldstart(const Options& options);  // exec a server, time until GET /readyz is 200

}  // namespace loadgen
