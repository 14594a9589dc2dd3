#pragma once
// The subcommands of the parley binary. Each returns the process exit code.
#include <map>
#include <string>

#include "parley/config/config.hpp"

namespace parley::app {

int serve(const Config& config);
int migrate(const Config& config);
// `parley agent add|disable|enable|password|rename`; passwords are read from the first line of
// standard input.
int agent_command(const std::string& action, const Config& config, const std::map<std::string, std::string>& flags);

// `parley articles import|export DIR`: help-center articles as Markdown files with front matter.
int articles_command(const std::string& action, const std::string& dir, const Config& config);

}  // namespace parley::app
