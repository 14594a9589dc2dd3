#include "setup.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http_client.hpp"

namespace loadgen {

std::vector<std::string> identify_visitors(const Endpoint& server, std::size_t count, std::size_t parallel) {
  std::vector<std::string> tokens(count);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::string first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < std::max<std::size_t>(1, std::min(parallel, count)); ++t) {
    threads.emplace_back([&] {
      try {
        HttpClient client(server);
        for (std::size_t i = next++; i < count && !failed; i = next++) {
          auto res = client.request("POST", "/api/visitors/identify", "{}");
          if (res.status != 200) throw std::runtime_error("identify: HTTP " + std::to_string(res.status) + " " + res.body);
          tokens[i] = nlohmann::json::parse(res.body).at("visitorToken").get<std::string>();
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mutex);
        if (!failed.exchange(true)) first_error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error(first_error);
  return tokens;
}

std::string login_agent(const Endpoint& server, const std::string& email, const std::string& password) {
  HttpClient client(server);
  nlohmann::json body = {{"email", email}, {"password", password}};
  auto res = client.request("POST", "/api/auth/login", body.dump());
  if (res.status != 200) throw std::runtime_error("login: HTTP " + std::to_string(res.status) + " " + res.body);
  for (const auto& c : res.set_cookies) {
    auto semi = c.find(';');
    return c.substr(0, semi);
  }
  throw std::runtime_error("login: no Set-Cookie in the answer");
}

}  // namespace loadgen
