// What the server holds for an idle WebSocket (issue #7: at most 4 KiB of RSS per socket,
// measured by bench/idle-connections). The real Server, on loopback, with a frame handler that
// holds nothing; the clients are bare POSIX sockets, which take no heap in this process, so the
// heap that grows while they sit idle is the server's own: its WebSocket session, the pending
// read, the idle timer, the socket and its strand.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "parley/config/config.hpp"
#include "parley/net/router.hpp"
#include "parley/net/server.hpp"

using namespace parley;

namespace {

// Answers every frame with "ok" and keeps nothing.
class EchoOk : public link::FrameHandler {
 public:
  void on_open(std::weak_ptr<link::ClientLink> link) override { link_ = std::move(link); }
  void on_frame(std::string_view) override {
    if (auto l = link_.lock()) l->send(link::make_frame("ok"));
  }
  void on_close() override {}

 private:
  std::weak_ptr<link::ClientLink> link_;
};

std::size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

bool read_exactly(int fd, char* out, std::size_t n) {
  for (std::size_t got = 0; got < n;) {
    ssize_t r = ::read(fd, out + got, n - got);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// A WebSocket client on a bare socket: upgrades, sends one message, reads the reply, then idles.
int open_idle_socket(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (::write(fd, upgrade.data(), upgrade.size()) != static_cast<ssize_t>(upgrade.size())) return -1;
  std::string head;
  char c;
  while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
    if (!read_exactly(fd, &c, 1)) return -1;
    head += c;
  }
  if (head.rfind("HTTP/1.1 101", 0) != 0) return -1;
  // "hi", masked with a zero key: FIN + text, MASK + length 2, key, payload.
  const char frame[] = {'\x81', '\x82', 0, 0, 0, 0, 'h', 'i'};
  if (::write(fd, frame, sizeof frame) != static_cast<ssize_t>(sizeof frame)) return -1;
  char reply[4];
  if (!read_exactly(fd, reply, sizeof reply) || std::string(reply + 2, 2) != "ok") return -1;
  return fd;
}

// The heap once the server's threads have finished what the last replies started.
std::size_t settled_heap() {
  std::size_t last = heap_in_use();
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::size_t now = heap_in_use();
    if (now == last) break;
    last = now;
  }
  return last;
}

}  // namespace

TEST(WsIdleMemory, AnIdleWebSocketHoldsLessThanItsShareOfTheFourKiBBudget) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator pads every block";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer's allocator pads every block";
#endif
#endif
  Config config;
  config.listen = {"127.0.0.1", 0};
  config.threads = 2;
  http::Router router;
  net::Server server(config, router, [](const http::Request&, std::function<void(net::UpgradeResult)> done) {
    done(std::shared_ptr<link::FrameHandler>(std::make_shared<EchoOk>()));
  });
  std::uint16_t port = server.bind();
  std::thread io([&] { server.run(); });

  std::vector<int> sockets;
  auto open = [&](int n) {
    for (int i = 0; i < n; ++i) {
      int fd = open_idle_socket(port);
      ASSERT_GE(fd, 0) << "socket " << sockets.size();
      sockets.push_back(fd);
    }
  };
  open(50);  // warm-up: what is built once (pools, caches) exists before the baseline
  std::size_t before = settled_heap();
  constexpr int kSockets = 400;
  open(kSockets);
  std::size_t after = settled_heap();
  EXPECT_EQ(server.stats().ws_connections.load(), 50 + kSockets);
  double per_socket = static_cast<double>(after - before) / kSockets;
  RecordProperty("heap_bytes_per_idle_websocket", std::to_string(per_socket));
  std::printf("heap per idle WebSocket: %.0f B\n", per_socket);
  // Measured 3,730-3,760 B, malloc's chunk headers included (Beast's websocket::stream alone
  // is ~2,470 B, of which 1,536 is its fixed frame buffer; it was 6,800 B before issue #7).
  // A read buffer prepared while idle (1.5 KiB), a tcp_stream layer (~700 B) or an eager
  // send queue (~600 B) would each push it past this bound. The application's per-visitor
  // state (~230 B) comes on top, within the 4 KiB of RSS.
  EXPECT_LT(per_socket, 3900);

  for (int fd : sockets) ::close(fd);
  server.stop();
  io.join();
}
