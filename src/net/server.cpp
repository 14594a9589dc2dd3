#include "parley/net/server.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "http_session.hpp"
#include "io_threads.hpp"
#include "shared_state.hpp"

namespace parley::net {

struct Server::Impl {
  Impl(const Config& config, http::Router& router, UpgradeHandler upgrade)
      : threads(config.threads ? config.threads : default_io_threads()),
        ioc(static_cast<int>(threads)),
        acceptor(asio::make_strand(ioc)),
        state(std::make_shared<SharedState>(config, router, std::move(upgrade))) {
    std::vector<std::string> invalid;
    state->trusted_proxies = AddressSet(config.trusted_proxies, &invalid);
    for (const auto& e : invalid) spdlog::warn("PARLEY_TRUSTED_PROXIES: ignoring '{}' (not an address or CIDR network)", e);
  }

  void do_accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Typically EMFILE: keep serving the sockets we have, try again shortly.
        spdlog::warn("accept failed: {}", ec.message());
        auto timer = std::make_shared<asio::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(50));
        timer->async_wait([this, timer](beast::error_code) { do_accept(); });
        return;
      }
      start_session(std::move(socket));
      // After a restart every open widget reconnects at once. One accept per completion is one
      // per trip round the I/O queue, which then holds thousands of handshakes and `auth`
      // answers: the listen queue (at most net.core.somaxconn, 4096 here) overflowed, and
      // clients waited for SYN retries, or were reset. So take what is waiting now, a bounded
      // number per turn.
      for (int i = 0; i < kAcceptBurst; ++i) {
        tcp::socket next(asio::make_strand(ioc));
        acceptor.accept(next, ec);  // non-blocking: would_block once none is waiting
        if (ec) break;             // an error (EMFILE) comes again from async_accept above
        start_session(std::move(next));
      }
      do_accept();
    });
  }

  void start_session(tcp::socket socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<HttpSession>(std::move(socket), state)->run();
  }

  static constexpr int kAcceptBurst = 64;

  // Ends run() once every session is gone, or at `deadline`: a peer that never answers
  // our close cannot hold the process.
  void wait_for_sessions(std::chrono::steady_clock::time_point deadline) {
    bool empty;
    {
      std::lock_guard lock(state->sessions_mutex);
      empty = state->sessions.empty();
    }
    if (empty || std::chrono::steady_clock::now() >= deadline) return ioc.stop();
    auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(20));
    timer->async_wait([this, timer, deadline](beast::error_code) { wait_for_sessions(deadline); });
  }

  unsigned threads;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::shared_ptr<SharedState> state;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

Server::Server(const Config& config, http::Router& router, UpgradeHandler upgrade)
    : impl_(std::make_unique<Impl>(config, router, std::move(upgrade))) {}

Server::~Server() = default;

std::uint16_t Server::bind() {
  const auto& listen = impl_->state->config.listen;
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve(listen.host, std::to_string(listen.port));
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  acceptor.non_blocking(true);  // do_accept's burst must never block the I/O thread
  return acceptor.local_endpoint().port();
}

void Server::run() {
  asio::post(impl_->acceptor.get_executor(), [this] { impl_->do_accept(); });
  impl_->work.emplace(impl_->ioc.get_executor());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < impl_->threads; ++i) pool.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : pool) t.join();
}

void Server::stop_accepting() {
  auto* impl = impl_.get();
  asio::post(impl->acceptor.get_executor(), [impl] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
}

void Server::stop() {
  auto* impl = impl_.get();
  if (impl->state->stopping.exchange(true)) return;
  asio::post(impl->acceptor.get_executor(), [impl] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    std::vector<std::shared_ptr<Stoppable>> sessions;
    {
      std::lock_guard lock(impl->state->sessions_mutex);
      for (auto& [key, weak] : impl->state->sessions) {
        if (auto s = weak.lock()) sessions.push_back(std::move(s));
      }
    }
    for (auto& s : sessions) s->shutdown();
    // Let in-flight work finish; run() returns when no session is left.
    impl->work.reset();
    impl->wait_for_sessions(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  });
}

const ServerStats& Server::stats() const { return impl_->state->stats; }
ServerStats& Server::stats() { return impl_->state->stats; }

const char* to_string(WsCloseReason reason) {
  switch (reason) {
    case WsCloseReason::normal: return "normal";
    case WsCloseReason::going_away: return "going_away";
    case WsCloseReason::too_big: return "too_big";
    case WsCloseReason::too_slow: return "too_slow";
    case WsCloseReason::error: break;
  }
  return "error";
}

}  // namespace parley::net
