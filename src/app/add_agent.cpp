#include <spdlog/spdlog.h>

#include <iostream>

#include "parley/app/commands.hpp"
#include "parley/auth/agent_accounts.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/core/error.hpp"
#include "parley/store/migrations.hpp"

namespace parley::app {

int add_agent(const Config& config, const std::map<std::string, std::string>& flags) {
  auth::init_crypto();
  auto flag = [&](const char* name) {
    auto it = flags.find(name);
    return it == flags.end() ? std::string() : it->second;
  };
  std::string email = flag("--email"), name = flag("--name"), role = flag("--role");
  if (role.empty()) role = "agent";
  if (email.empty() || name.empty()) {
    std::cerr << "parley agent add: --email and --name are required\n";
    return 2;
  }
  if (config.database_url.empty()) {
    std::cerr << "parley agent add: DATABASE_URL is required (or --database-url)\n";
    return 2;
  }
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  try {
    store::migrate(config.database_url);
    store::DbConn conn(config.database_url);
    auto agent = auth::add_agent(conn, email, name, role, password);
    std::cout << "created " << role << " " << email << " (id " << agent.id << ")\n";
    return 0;
  } catch (const ApiError& e) {
    std::cerr << "parley agent add: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "parley agent add: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace parley::app
