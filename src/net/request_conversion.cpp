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
  out.remote_address = peer.address().to_string();

  bool from_proxy = std::find(state.trusted_proxies.begin(), state.trusted_proxies.end(), peer.address()) !=
                    state.trusted_proxies.end();
  if (from_proxy) {
    // The right-most address is the one our proxy saw; anything left of it is client-supplied.
    std::string xff = out.header("x-forwarded-for");
    if (!xff.empty()) {
      auto comma = xff.rfind(',');
      std::string last = xff.substr(comma == std::string::npos ? 0 : comma + 1);
      last.erase(0, last.find_first_not_of(' '));
      boost::system::error_code ec;
      auto addr = asio::ip::make_address(last, ec);
      if (!ec) out.remote_address = addr.to_string();
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
