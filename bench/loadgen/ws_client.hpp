#pragma once
// One client WebSocket: connects from a chosen source address, upgrades with the given
// headers, then reads text frames until closed and writes queued frames one at a time.
// All callbacks run on the io_context's thread. No Beast in this header.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http_client.hpp"

namespace boost::asio {
class io_context;
}

namespace loadgen {

class WsClient {
 public:
  struct Callbacks {
    std::function<void(const std::string& error)> on_open;  // error empty: upgraded
    std::function<void(std::string_view text)> on_text;
    std::function<void(const std::string& why)> on_close;  // after on_open succeeded
  };

  static std::shared_ptr<WsClient> create(boost::asio::io_context& ioc);
  virtual ~WsClient() = default;

  // source_ip empty: the kernel picks. target e.g. "/ws".
  virtual void connect(const Endpoint& server, const std::string& source_ip, const std::string& target,
                       const Headers& headers, Callbacks callbacks) = 0;
  virtual void send(std::string text) = 0;
  virtual std::size_t queued() const = 0;
  virtual bool is_open() const = 0;
  // Drops the connection at once (no close handshake).
  virtual void abort() = 0;
};

}  // namespace loadgen
