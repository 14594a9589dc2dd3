#include <spdlog/spdlog.h>

#include "shared_state.hpp"

namespace parley::net {

std::string client_address(const std::string& peer, std::string_view forwarded_for, const SharedState& state) {
  std::string client = peer;
  // Walk X-Forwarded-For from the right: each entry was added by the hop after it, so the
  // client is the right-most address that is not one of our proxies. Entries left of it
  // are whatever the client chose to send.
  std::string_view xff = forwarded_for;
  std::size_t end = xff.size();
  while (!xff.empty()) {
    auto comma = xff.rfind(',', end == 0 ? 0 : end - 1);
    std::size_t start = comma == std::string_view::npos || comma >= end ? 0 : comma + 1;
    std::string_view item = xff.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    std::string addr = AddressSet::normalize(item);
    if (addr.empty()) break;  // garbage: keep the last hop we could trust
    client = std::move(addr);
    if (!state.trusted_proxies.contains(client) || start == 0) break;
    end = start - 1;
  }
  return client;
}

http::Request to_request(const bhttp::request<bhttp::string_body>& req, const std::string& peer, bool peer_trusted,
                         const SharedState& state) {
  http::Request out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = req.body();
  if (peer_trusted) {
    out.remote_address = client_address(peer, out.header("x-forwarded-for"), state);
    out.secure = out.header("x-forwarded-proto") == "https";
  } else {
    out.remote_address = peer;
  }
  return out;
}

std::string loggable_path(std::string_view path) {
  // Paths whose last part is a credential (the emailed CSAT survey link, docs/CSAT.md).
  for (std::string_view prefix : {std::string_view("/csat/")}) {
    if (path.substr(0, prefix.size()) == prefix && path.size() > prefix.size()) {
      return std::string(prefix) + "[redacted]";
    }
  }
  return std::string(path);
}

void log_access(std::string_view method, std::string_view path, int status, std::size_t bytes, std::string_view remote,
                std::chrono::steady_clock::time_point started) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("http {} {} {} {}B {}us from {}", method, loggable_path(path), status, bytes, micros, remote);
}

}  // namespace parley::net
