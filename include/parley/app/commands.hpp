#pragma once
// The subcommands of the parley binary. Each returns the process exit code.
#include <map>
#include <string>

#include "parley/config/config.hpp"

namespace parley::app {

int serve(const Config& config);
int migrate(const Config& config);
// Reads the password from the first line of standard input.
int add_agent(const Config& config, const std::map<std::string, std::string>& flags);

}  // namespace parley::app
