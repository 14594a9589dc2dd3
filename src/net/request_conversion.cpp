#include <spdlog/spdlog.h>

#include "shared_state.hpp"

namespace parley::net {

http::Request to_request(const bhttp::request<bhttp::string_body>& req, const tcp::endpoint& peer,
                         const SharedState& state) {
  http::Request out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = req.body();
  out.remote_address = AddressSet::normalize(peer.address().to_string());

  if (state.trusted_proxies.contains(out.remote_address)) {
    // Walk X-Forwarded-For from the right: each entry was added by the hop after it, so the
    // client is the right-most address that is not one of our proxies. Entries left of it
    // are whatever the client chose to send.
    std::string xff = out.header("x-forwarded-for");
    std::size_t end = xff.size();
    while (!xff.empty()) {
      auto comma = xff.rfind(',', end == 0 ? 0 : end - 1);
      std::size_t start = comma == std::string::npos || comma >= end ? 0 : comma + 1;
      std::string item = xff.substr(start, end - start);
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      std::string addr = AddressSet::normalize(item);
      if (addr.empty()) break;  // garbage: keep the last hop we could trust
      out.remote_address = addr;
      if (!state.trusted_proxies.contains(addr) || start == 0) break;
      end = start - 1;
    }
    out.secure = out.header("x-forwarded-proto") == "https";
  }
  return out;
}

void log_access(const std::string& method, const std::string& path, int status, std::size_t bytes,
                const std::string& remote, std::chrono::steady_clock::time_point started) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("http {} {} {} {}B {}us from {}", method, path, status, bytes, micros, remote);
}

}  // namespace parley::net
