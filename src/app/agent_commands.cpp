// `parley agent add|disable|enable|password|rename`: what operators do to agent accounts.
#include <iostream>

#include "parley/app/commands.hpp"
#include "parley/auth/agent_accounts.hpp"
#include "parley/chat/cluster.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/core/error.hpp"
#include "parley/store/migrations.hpp"

namespace parley::app {
namespace {

std::string read_password_line() {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

// Runs `action` against a migrated database, turning errors into a message and exit 1.
int with_database(const Config& config, const std::function<void(store::DbConn&)>& action) {
  if (config.database_url.empty()) {
    std::cerr << "parley agent: DATABASE_URL is required (or --database-url)\n";
    return 2;
  }
  try {
    store::migrate(config.database_url);
    store::DbConn conn(config.database_url);
    action(conn);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "parley agent: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int agent_command(const std::string& action, const Config& config, const std::map<std::string, std::string>& flags) {
  auth::init_crypto();
  auto flag = [&](const char* name) {
    auto it = flags.find(name);
    return it == flags.end() ? std::string() : it->second;
  };
  std::string email = flag("--email");
  if (email.empty()) {
    std::cerr << "parley agent " << action << ": --email is required\n";
    return 2;
  }
  if (action == "add") {
    std::string name = flag("--name"), role = flag("--role");
    if (role.empty()) role = "agent";
    if (name.empty()) {
      std::cerr << "parley agent add: --name is required\n";
      return 2;
    }
    std::string password = read_password_line();
    return with_database(config, [&](store::DbConn& conn) {
      auto agent = auth::add_agent(conn, email, name, role, password);
      std::cout << "created " << role << " " << email << " (id " << agent.id << ")\n";
    });
  }
  if (action == "disable" || action == "enable") {
    return with_database(config, [&](store::DbConn& conn) {
      auto id = auth::set_disabled(conn, email, action == "disable");
      // Committed: no message of the agent is stored from now on (the writer checks), and
      // every running server closes the agent's sockets as soon as it hears this.
      if (action == "disable") chat::close_agent_everywhere(conn, id, 4001, "account disabled");
      std::cout << action << "d " << email << (action == "disable" ? "; every session ended" : "") << "\n";
    });
  }
  if (action == "password") {
    std::string password = read_password_line();
    return with_database(config, [&](store::DbConn& conn) {
      auth::reset_password(conn, email, password);
      std::cout << "password changed for " << email << "; every session ended\n";
    });
  }
  if (action == "rename") {
    std::string name = flag("--name");
    if (name.empty()) {
      std::cerr << "parley agent rename: --name is required\n";
      return 2;
    }
    return with_database(config, [&](store::DbConn& conn) {
      auto agent = auth::rename_agent(conn, email, name);
      // Open inboxes and widgets show the new name from their next load of the agent.
      std::cout << "renamed " << email << " to \"" << agent.name << "\"\n";
    });
  }
  std::cerr << "parley agent: unknown action '" << action << "' (add, disable, enable, password, rename)\n";
  return 2;
}

}  // namespace parley::app
