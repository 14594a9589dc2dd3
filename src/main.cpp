// parley: serve | migrate | agent add|disable|enable|password|rename | articles import|export | --help | --version
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "parley/app/commands.hpp"
#include "parley/core/logging.hpp"

extern char** environ;

namespace {

void print_help() {
  std::cout << "Parley " PARLEY_VERSION " — self-hosted live chat support\n\n"
               "Usage:\n"
               "  parley serve [options]        run the server (migrates first)\n"
               "  parley migrate [options]      apply database migrations and exit\n"
               "  parley agent add --email E --name N [--role admin|agent] [options]\n"
               "                                create an agent; the password is read from stdin\n"
               "  parley agent disable|enable --email E\n"
               "                                disabling ends the agent's sessions and closes their sockets\n"
               "  parley agent password --email E\n"
               "                                set a new password (stdin); ends every session\n"
               "  parley agent rename --email E --name N\n"
               "                                change the name visitors and other agents see\n"
               "  parley articles import DIR    create or update help-center articles from DIR/*.md\n"
               "                                (Markdown with front matter: title, collection, status, slug)\n"
               "  parley articles export DIR    write every article to DIR/<slug>.md in that form\n"
               "  parley --help | --version\n\n"
               "Options (each also an environment variable):\n";
  // "  --flag VALUE", padded to one column; at least two spaces before the variable's name.
  std::size_t width = 0;
  for (const auto& spec : parley::option_specs()) width = std::max(width, std::string(spec.flag).size());
  for (const auto& spec : parley::option_specs()) {
    std::string flag = std::string(spec.flag) + " VALUE";
    std::cout << "  " << flag << std::string(width + 6 + 2 - flag.size(), ' ') << spec.env << ": " << spec.help << "\n";
  }
}

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "parley " PARLEY_VERSION "\n";
    return 0;
  }
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::vector<std::string> extra_flags;
  std::string agent_action;
  std::string articles_action, articles_dir;
  if (command == "agent") {
    static const std::vector<std::string> actions = {"add", "disable", "enable", "password", "rename"};
    if (rest.empty() || std::find(actions.begin(), actions.end(), rest[0]) == actions.end()) {
      std::cerr << "parley: unknown agent command (add, disable, enable, password, rename)\n";
      return 2;
    }
    agent_action = rest[0];
    rest.erase(rest.begin());
    extra_flags = {"--email", "--name", "--role"};
  } else if (command == "articles") {
    if (!rest.empty() && rest[0] == "--help") {
      print_help();
      return 0;
    }
    if (rest.empty() || (rest[0] != "import" && rest[0] != "export")) {
      std::cerr << "parley: unknown articles command (import DIR, export DIR)\n";
      return 2;
    }
    articles_action = rest[0];
    if (rest.size() < 2 || rest[1].empty() || rest[1][0] == '-') {
      std::cerr << "parley articles " << articles_action << ": a directory is required\n";
      return 2;
    }
    articles_dir = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  } else if (command != "serve" && command != "migrate") {
    std::cerr << "parley: unknown command '" << command << "' (see parley --help)\n";
    return 2;
  }
  if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
    print_help();
    return 0;
  }
  parley::Config config;
  std::map<std::string, std::string> extras;
  try {
    config = parley::parse_config(rest, environment(), extra_flags, &extras);
  } catch (const parley::ConfigError& e) {
    std::cerr << "parley: " << e.what() << "\n";
    return 2;
  }
  parley::setup_logging(config.log_format);
  if (command == "serve") return parley::app::serve(config);
  if (command == "migrate") return parley::app::migrate(config);
  if (command == "articles") return parley::app::articles_command(articles_action, articles_dir, config);
  return parley::app::agent_command(agent_action, config, extras);
}
