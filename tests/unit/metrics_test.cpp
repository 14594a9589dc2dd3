// The Prometheus registry (text format, labels, histograms) and the address sets used for
// PARLEY_METRICS_ALLOW and PARLEY_TRUSTED_PROXIES.
#include <gtest/gtest.h>

#include <thread>

#include "parley/metrics/registry.hpp"
#include "parley/net/address_set.hpp"

using namespace parley;

TEST(MetricsRegistry, RendersCountersGaugesWithHelpTypeAndEscapedLabels) {
  metrics::Registry r;
  auto& c = r.counter("t_requests_total", "Requests.\nSecond line", {"route", "status"});
  c.with({"/a/:id", "200"}).inc();
  c.with({"/a/:id", "200"}).inc(2);
  c.with({"we\"ird\\\n", "500"}).inc();
  r.gauge("t_temp", "A gauge.").get().set(1.5);
  std::string text = r.render();
  EXPECT_NE(text.find("# HELP t_requests_total Requests.\\nSecond line\n# TYPE t_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("t_requests_total{route=\"/a/:id\",status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("t_requests_total{route=\"we\\\"ird\\\\\\n\",status=\"500\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE t_temp gauge\nt_temp 1.5\n"), std::string::npos);
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeAndCountIsInf) {
  metrics::Registry r;
  auto& h = r.histogram("t_size", "Sizes.", {1, 5, 10}).get();
  for (double v : {0.5, 1.0, 3.0, 7.0, 100.0}) h.observe(v);
  std::string text = r.render();
  EXPECT_NE(text.find("t_size_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_size_bucket{le=\"5\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("t_size_bucket{le=\"10\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("t_size_bucket{le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("t_size_sum 111.5\n"), std::string::npos);
  EXPECT_NE(text.find("t_size_count 5\n"), std::string::npos);
}

TEST(MetricsRegistry, LabelledHistogramAndCallbacks) {
  metrics::Registry r;
  r.histogram("t_lat", "Latency.", metrics::latency_buckets(), {"op"}).with({"x"}).observe(0.002);
  r.callback("t_depth", "Depth.", metrics::Registry::Type::gauge, [] { return 7.0; });
  r.callback("t_by", "By.", metrics::Registry::Type::counter, {"k"},
             [] { return std::vector<metrics::Registry::Sample>{{{"a"}, 1}, {{"b"}, 2}}; });
  std::string text = r.render();
  EXPECT_NE(text.find("t_lat_bucket{op=\"x\",le=\"0.0025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_lat_count{op=\"x\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE t_depth gauge\nt_depth 7\n"), std::string::npos);
  EXPECT_NE(text.find("t_by{k=\"a\"} 1\nt_by{k=\"b\"} 2\n"), std::string::npos);
}

TEST(MetricsRegistry, RejectsBadNamesAndLabelCounts) {
  metrics::Registry r;
  EXPECT_THROW(r.counter("9bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "x", {"le"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {2, 1}), std::invalid_argument);
  auto& c = r.counter("two_total", "x", {"a", "b"});
  EXPECT_THROW(c.with({"only-one"}), std::invalid_argument);
}

TEST(MetricsRegistry, ConcurrentIncrementsAreNotLost) {
  metrics::Registry r;
  auto& fam = r.counter("c_total", "x", {"k"});
  auto& h = r.histogram("h", "x", {1}).get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        fam.with({i % 2 ? "a" : "b"}).inc();
        h.observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fam.with({"a"}).value() + fam.with({"b"}).value(), 40000u);
  EXPECT_EQ(h.snapshot().count, 40000u);
  EXPECT_DOUBLE_EQ(h.snapshot().sum, 20000.0);
}

TEST(AddressSet, AddressesNetworksAndMappedV4) {
  net::AddressSet s({"127.0.0.1", "::1", "10.0.0.0/8", "192.168.1.128/25", "fd00::/8", "nonsense", "1.2.3.4/33"});
  EXPECT_TRUE(s.contains("127.0.0.1"));
  EXPECT_TRUE(s.contains("::1"));
  EXPECT_TRUE(s.contains("10.200.3.4"));
  EXPECT_TRUE(s.contains("::ffff:10.1.1.1"));
  EXPECT_TRUE(s.contains("192.168.1.200"));
  EXPECT_FALSE(s.contains("192.168.1.100"));
  EXPECT_TRUE(s.contains("fd12::1"));
  EXPECT_FALSE(s.contains("fe80::1"));
  EXPECT_FALSE(s.contains("127.0.0.2"));
  EXPECT_FALSE(s.contains("garbage"));
  EXPECT_FALSE(s.contains("10.0.0.0/8"));
  std::vector<std::string> invalid;
  net::AddressSet t({"nonsense", "1.2.3.4/33", "1.2.3.4"}, &invalid);
  EXPECT_EQ(invalid, (std::vector<std::string>{"nonsense", "1.2.3.4/33"}));
  EXPECT_TRUE(net::AddressSet().empty());
  EXPECT_EQ(net::AddressSet::normalize("::ffff:127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(net::AddressSet::normalize("x"), "");
}
