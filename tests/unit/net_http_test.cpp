// The HTTP transport's pieces that need no socket: pre-serialized asset responses, routing,
// client addresses behind proxies, the Date header, the default thread count and CPU quotas.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "net/cpu_quota.hpp"
#include "net/http_date.hpp"
#include "net/io_threads.hpp"
#include "net/shared_state.hpp"
#include "net/static_files.hpp"
#include "parley/assets/asset_table.hpp"

namespace {

using parley::Config;
using parley::net::StaticFiles;
namespace bhttp = boost::beast::http;

std::string joined(const StaticFiles::Answer& a) {
  std::string out;
  for (std::size_t i = 0; i < a.part_count; ++i) out += a.parts[i];
  return out;
}

// Parses what would go on the wire, as a client would; fails the test when it is not HTTP.
bhttp::response<bhttp::string_body> parse(const std::string& wire, bool head = false) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(head);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size()) << "bytes after the response";
  return parser.release();
}

constexpr std::string_view kDateLine = "Date: Thu, 26 Nov 2026 00:13:03 GMT\r\n";

struct Fixture {
  Config config;
  StaticFiles files{config};
  std::string scratch;
  const parley::assets::EmbeddedAsset& widget = *parley::assets::find_asset("/widget.js");

  StaticFiles::Answer get(StaticFiles::Conditions c, std::string_view path = "/widget.js") {
    if (c.date_line.empty()) c.date_line = kDateLine;
    const auto* e = files.find(path);
    EXPECT_NE(e, nullptr) << path;
    return files.answer(*e, c, scratch);
  }
};

TEST(StaticFiles, KeepAliveGetIsStatusDateAndOneBufferWithEveryOtherHeader) {
  Fixture f;
  auto a = f.get({});
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.part_count, 3u);
  EXPECT_EQ(a.parts[1], kDateLine);
  EXPECT_EQ(a.body_bytes, f.widget.bytes.size());
  std::string wire = joined(a);
  EXPECT_EQ(wire.rfind("HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 00:13:03 GMT\r\nServer: Parley\r\n"
                       "Content-Type: text/javascript; charset=utf-8\r\n", 0), 0u);
  auto res = parse(wire);
  EXPECT_EQ(res[bhttp::field::date], "Thu, 26 Nov 2026 00:13:03 GMT");
  EXPECT_EQ(res.body(), f.widget.bytes);
  EXPECT_EQ(res[bhttp::field::etag], f.widget.etag);
  EXPECT_EQ(res[bhttp::field::vary], "Accept-Encoding");
  EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=0, must-revalidate");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(res["Cross-Origin-Resource-Policy"], "cross-origin");
  EXPECT_EQ(res.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(res.count(bhttp::field::connection), 0u);
  EXPECT_TRUE(res.keep_alive());
}

TEST(StaticFiles, GzipWhenAccepted) {
  Fixture f;
  StaticFiles::Conditions c;
  c.gzip = true;
  auto a = f.get(c);
  EXPECT_EQ(a.part_count, 3u);
  EXPECT_EQ(a.body_bytes, f.widget.gzip_bytes.size());
  auto res = parse(joined(a));
  EXPECT_EQ(res[bhttp::field::content_encoding], "gzip");
  EXPECT_EQ(res.body(), f.widget.gzip_bytes);
}

TEST(StaticFiles, HeadHasGetsHeadersAndNoBody) {
  Fixture f;
  for (bool gzip : {false, true}) {
    StaticFiles::Conditions c;
    c.head = true;
    c.gzip = gzip;
    auto a = f.get(c);
    std::string wire = joined(a);
    std::size_t size = gzip ? f.widget.gzip_bytes.size() : f.widget.bytes.size();
    EXPECT_EQ(a.body_bytes, size);  // logged as GET would send
    EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
    auto res = parse(wire, true);
    EXPECT_EQ(res[bhttp::field::content_length], std::to_string(size));
    EXPECT_TRUE(res.body().empty());
  }
}

TEST(StaticFiles, IfNoneMatchAnswers304WithoutBody) {
  Fixture f;
  std::string etag(f.widget.etag);
  for (std::string inm : std::vector<std::string>{etag, "W/" + etag, "\"other\", " + etag, "*", "\"x\",  W/" + etag + " "}) {
    StaticFiles::Conditions c;
    c.if_none_match = inm;
    c.gzip = true;
    auto a = f.get(c);
    EXPECT_EQ(a.status, 304) << inm;
    EXPECT_EQ(a.body_bytes, 0u);
    std::string wire = joined(a);
    EXPECT_EQ(wire.rfind("HTTP/1.1 304 Not Modified\r\nDate: ", 0), 0u);
    EXPECT_EQ(wire.find("Content-Length"), std::string::npos);
    EXPECT_EQ(wire.find("Content-Encoding"), std::string::npos);
    EXPECT_NE(wire.find("ETag: " + etag + "\r\n"), std::string::npos);
    EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
  }
  StaticFiles::Conditions c;
  c.if_none_match = "\"other\"";
  EXPECT_EQ(f.get(c).status, 200);
}

TEST(StaticFiles, ConnectionHeaderFollowsVersionAndKeepAlive) {
  Fixture f;
  StaticFiles::Conditions c;
  c.version = 10;
  c.keep_alive = true;
  EXPECT_EQ(joined(f.get(c)).rfind(std::string("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n") + std::string(kDateLine) + "Server: Parley\r\n", 0), 0u);
  c.keep_alive = false;
  EXPECT_EQ(joined(f.get(c)).rfind(std::string("HTTP/1.0 200 OK\r\n") + std::string(kDateLine) + "Server: Parley\r\n", 0), 0u);
  c.version = 11;
  auto a = f.get(c);
  EXPECT_EQ(joined(a).rfind(std::string("HTTP/1.1 200 OK\r\nConnection: close\r\n") + std::string(kDateLine) + "Server: Parley\r\n", 0), 0u);
  EXPECT_FALSE(parse(joined(a)).keep_alive());
  EXPECT_EQ(parse(joined(a)).body(), f.widget.bytes);
}

TEST(StaticFiles, PagesCarryTheirContentSecurityPolicy) {
  Fixture f;
  f.config.allowed_origins = {"https://shop.example", "https://b.example"};
  StaticFiles files(f.config);
  auto chat = parse(joined(files.answer(*files.find("/chat/"), {}, f.scratch)));
  // Parley's own pages (/demo) may always frame the chat.
  EXPECT_NE(std::string(chat["Content-Security-Policy"]).find("frame-ancestors 'self' https://shop.example https://b.example"),
            std::string::npos);
  f.config.public_url = "https://chat.example.com/support";
  StaticFiles behind_proxy(f.config);
  auto proxied = parse(joined(behind_proxy.answer(*behind_proxy.find("/chat/"), {}, f.scratch)));
  EXPECT_NE(std::string(proxied["Content-Security-Policy"])
                .find("frame-ancestors 'self' https://chat.example.com https://shop.example https://b.example"),
            std::string::npos);
  EXPECT_EQ(chat["Referrer-Policy"], "no-referrer");
  auto inbox = parse(joined(files.answer(*files.find("/inbox"), {}, f.scratch)));
  EXPECT_NE(std::string(inbox["Content-Security-Policy"]).find("frame-ancestors 'self'"), std::string::npos);
  EXPECT_EQ(inbox.count(bhttp::field::access_control_allow_origin), 0u);
  EXPECT_EQ(files.find("/nope.js"), nullptr);
  EXPECT_EQ(files.find("/../widget.js"), nullptr);
}

TEST(StaticFiles, EtagMatching) {
  using parley::net::etag_matches;
  EXPECT_FALSE(etag_matches("", "\"a\""));
  EXPECT_TRUE(etag_matches("*", "\"a\""));
  EXPECT_TRUE(etag_matches("\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("W/\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("\"b\" , \"a\"", "\"a\""));
  EXPECT_FALSE(etag_matches("\"b\", \"ab\"", "\"a\""));
  EXPECT_FALSE(etag_matches(",", "\"a\""));
}

parley::http::Handler noop() {
  return [](const parley::http::Request&, parley::http::Responder) {};
}

TEST(HttpDate, ImfFixdateInGmt) {
  EXPECT_EQ(parley::net::format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(parley::net::format_http_date(951868799), "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(parley::net::format_http_date(1795651983), "Thu, 26 Nov 2026 00:13:03 GMT");
}

TEST(HttpDate, TheCurrentSecondsLineAndValue) {
  std::time_t before = std::time(nullptr);
  std::string line(parley::net::http_date_line());
  std::string value(parley::net::http_date());
  std::time_t after = std::time(nullptr);
  ASSERT_EQ(line.rfind("Date: ", 0), 0u);
  ASSERT_EQ(line.substr(line.size() - 2), "\r\n");
  EXPECT_EQ(value.size(), 29u);
  bool matches = false;  // the second may turn between the calls
  for (std::time_t t = before; t <= after; ++t) {
    std::string want = parley::net::format_http_date(t);
    matches = matches || (line == "Date: " + want + "\r\n" && (value == want || t < after));
  }
  EXPECT_TRUE(matches) << line << " / " << value;
}

TEST(Router, MatchesPatternsAndCaptures) {
  parley::http::Router r;
  r.add("GET", "/api/inbox", noop());
  r.add("POST", "/api/inbox/:id/assign", noop());
  r.add("GET", "/", noop());
  const parley::http::Handler* h = nullptr;
  const std::string* pattern = nullptr;
  parley::http::Request req;
  req.method = "POST";
  req.path = "/api/inbox/4%202/assign";
  EXPECT_EQ(r.match(req, &h, &pattern), parley::http::Router::Match::found);
  EXPECT_EQ(*pattern, "/api/inbox/:id/assign");
  EXPECT_EQ(req.params.at("id"), "4 2");
  req.method = "GET";
  EXPECT_EQ(r.match(req, &h), parley::http::Router::Match::wrong_method);
  req.path = "/api/inbox//assign";  // an empty capture matches nothing
  EXPECT_EQ(r.match(req, &h), parley::http::Router::Match::none);
  req.path = "/api/inbox/";
  EXPECT_EQ(r.match(req, &h), parley::http::Router::Match::none);
  req.path = "/api/inbox";
  EXPECT_EQ(r.match(req, &h), parley::http::Router::Match::found);
  req.path = "/";
  EXPECT_EQ(r.match(req, &h), parley::http::Router::Match::found);

  EXPECT_TRUE(r.matches_path("/api/inbox"));
  EXPECT_TRUE(r.matches_path("/api/inbox/7/assign"));
  EXPECT_TRUE(r.matches_path("/"));
  EXPECT_FALSE(r.matches_path("/api/inbox/7"));
  EXPECT_FALSE(r.matches_path("/api/inbox/7/assign/x"));
  EXPECT_FALSE(r.matches_path("/widget.js"));
  EXPECT_FALSE(r.matches_path(""));
}

TEST(ClientAddress, RightMostUntrustedForwardedAddress) {
  Config config;
  parley::http::Router router;
  parley::net::SharedState state(config, router, {});
  state.trusted_proxies = parley::net::AddressSet({"10.0.0.0/8"});
  using parley::net::client_address;
  EXPECT_EQ(client_address("10.0.0.1", "", state), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "203.0.113.7", state), "203.0.113.7");
  EXPECT_EQ(client_address("10.0.0.1", "1.1.1.1, 203.0.113.7, 10.0.0.2", state), "203.0.113.7");
  EXPECT_EQ(client_address("10.0.0.1", " 10.0.0.3 ,\t10.0.0.2", state), "10.0.0.3");
  EXPECT_EQ(client_address("10.0.0.1", "garbage, 10.0.0.2", state), "10.0.0.2");
  EXPECT_EQ(client_address("10.0.0.1", "203.0.113.7, garbage", state), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "::ffff:198.51.100.1", state), "198.51.100.1");
}

TEST(IoThreads, DefaultIsTheCpusThisProcessMayUse) {
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
  unsigned affinity = static_cast<unsigned>(CPU_COUNT(&original));
  unsigned quota = parley::net::cgroup_cpu_limit();  // 0: none (as on the CI machines)
  EXPECT_EQ(parley::net::default_io_threads(), quota ? std::min(affinity, quota) : affinity);
  int first = 0;
  while (!CPU_ISSET(first, &original)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(parley::net::default_io_threads(), 1u);
  ASSERT_EQ(sched_setaffinity(0, sizeof original, &original), 0);
}

}  // namespace

// A fake /sys/fs/cgroup and /proc/self/cgroup under a temporary folder.
class CgroupFs : public ::testing::Test {
 protected:
  std::filesystem::path root = std::filesystem::temp_directory_path() /
                               ("parley-cgroup-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::create_directories(root); }
  void TearDown() override { std::filesystem::remove_all(root); }
  void write(const std::string& relative, const std::string& text) {
    auto path = root / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  unsigned limit() { return parley::net::cgroup_cpu_limit((root / "fs").string(), (root / "self").string()); }
};

TEST_F(CgroupFs, V2NoQuotaIsZero) {
  write("self", "0::/\n");
  write("fs/cpu.max", "max 100000\n");
  EXPECT_EQ(limit(), 0u);
}

TEST_F(CgroupFs, V2QuotaRoundsUp) {
  write("self", "0::/system.slice/parley.service\n");
  write("fs/system.slice/parley.service/cpu.max", "150000 100000\n");
  EXPECT_EQ(limit(), 2u);
}

TEST_F(CgroupFs, V2TheTightestOfTheCgroupAndItsParentsWins) {
  write("self", "0::/a/b\n");
  write("fs/a/b/cpu.max", "max 100000\n");
  write("fs/a/cpu.max", "300000 100000\n");
  write("fs/cpu.max", "max 100000\n");
  EXPECT_EQ(limit(), 3u);
  write("fs/a/b/cpu.max", "100000 100000\n");
  EXPECT_EQ(limit(), 1u);
}

TEST_F(CgroupFs, V1CfsQuota) {
  write("self", "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
  write("fs/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "50000\n");
  write("fs/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(limit(), 1u);  // half a CPU still needs a thread
  write("fs/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
  EXPECT_EQ(limit(), 0u);
}

TEST_F(CgroupFs, NothingReadableIsZero) {
  EXPECT_EQ(limit(), 0u);  // no /proc/self/cgroup
  write("self", "0::/x\n");
  EXPECT_EQ(limit(), 0u);  // no cpu.max anywhere
  write("fs/x/cpu.max", "garbage\n");
  EXPECT_EQ(limit(), 0u);
}
