// `relay`: V visitor sockets, each in its own conversation, send at an aggregate open-loop
// rate R (message k is due at start + k/R whatever happened before) for W warm-up seconds
// that are not reported, then D measured seconds. A agent sockets receive every message
// through the inbox feed. Measured: intended send → agent receipt, intended send → ack,
// and loss (sent − delivered) after a drain period. With --agent-url the agents log in to and
// connect to another server process than the visitors (several processes on one database:
// delivery then crosses processes through PostgreSQL).
// With --pairs (the visitor delivery path, issue #21): each visitor opens two tabs with the
// same visitor token; tab A sends, and latency is intended send → receipt on tab B (what
// carries an agent's reply to a visitor, and a visitor's own other tabs). --agents 0 is then
// allowed (nobody online: the offline-email rules run for every message); agents that are
// online must receive every message too.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>
#include <iostream>
#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "frame_scan.hpp"
#include "modes.hpp"
#include "relay_tracker.hpp"
#include "setup.hpp"
#include "ws_client.hpp"

namespace loadgen {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point at_ns(std::int64_t ns) { return Clock::time_point(std::chrono::nanoseconds(ns)); }

// `body` is already escaped for a JSON string (its quotes taken off).
std::string send_frame(const char* prefix, std::uint64_t k, const std::string& body) {
  std::string id = prefix + std::to_string(k);
  return R"({"type":"send","clientId":")" + id + R"(","body":")" + id + " " + body + R"("})";
}

// The bodies the visitors send, in turn: --body-bytes x's by default, or with --bodies FILE the
// file's non-empty lines (e.g. texts taken from a history, so the rows the relay adds hold real
// words where a search walks them: bench/search). Escaped for JSON once, here.
std::vector<std::string> relay_bodies(const Options& options) {
  std::string file = options.str("bodies", "");
  if (file.empty())
    return {std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, options.integer("body-bytes", 32))), 'x')};
  std::ifstream in(file);
  if (!in) throw UsageError("--bodies: cannot read " + file);
  std::vector<std::string> bodies;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::string quoted = nlohmann::json(line).dump();
    bodies.push_back(quoted.substr(1, quoted.size() - 2));
  }
  if (bodies.empty()) throw UsageError("--bodies: " + file + " has no lines");
  return bodies;
}

std::size_t mean_size(const std::vector<std::string>& texts) {
  std::size_t total = 0;
  for (const auto& text : texts) total += text.size();
  return total / texts.size();
}

}  // namespace

int run_relay(const Options& options) {
  Endpoint server = parse_url(options.required("url"));
  Endpoint agent_server = parse_url(options.str("agent-url", options.required("url")));
  auto visitors_n = static_cast<std::size_t>(options.integer("visitors", 100));
  bool pairs = options.flag("pairs");
  auto agents_n = static_cast<std::size_t>(std::max<std::int64_t>(pairs ? 0 : 1, options.integer("agents", 1)));
  // Receivers of every message: in pairs mode tab B is receiver 0 (its latency is the one
  // reported) and the agents follow; else the agents, the first one's latency reported.
  std::size_t first_agent = pairs ? 1 : 0;
  std::size_t tabs = pairs ? 2 : 1;
  double rate = options.number("rate", 1000), duration = options.number("duration", 10);
  double warmup = options.number("warmup", 2), drain = options.number("drain", 10);
  auto sources = static_cast<std::size_t>(options.integer("sources", 4));
  std::string email = options.required("agent-email"), password = options.required("agent-password");
  const std::vector<std::string> bodies = relay_bodies(options);
  auto tick_ns = static_cast<std::int64_t>(options.number("tick-us", 100) * 1000);
  // --window S: one JSON line per S seconds of the measured run besides the final summary.
  double window = options.number("window", 0);
  if (window < 0) throw UsageError("--window must be positive");
  if (rate <= 0 || duration <= 0 || visitors_n == 0) throw UsageError("--rate, --duration and --visitors must be positive");

  nlohmann::json out = {{"mode", "relay"},     {"label", options.str("label", "")}, {"rate", rate},
                        {"duration", duration}, {"warmup", warmup},                  {"visitors", visitors_n},
                        {"agents", agents_n},   {"body_bytes", mean_size(bodies)}, {"bodies", bodies.size()}, {"pairs", pairs},
                        {"cross_process", agent_server.origin() != server.origin()}};
  if (window > 0) out["window"] = window;
  auto fail = [&](const std::string& why) {
    out["setup_error"] = why;
    std::cout << out.dump() << std::endl;
    return 1;
  };

  auto warm = static_cast<std::uint64_t>(std::llround(warmup * rate));
  auto measured = static_cast<std::uint64_t>(std::llround(duration * rate));
  RelayTracker tracker(rate, warm, measured, first_agent + agents_n, window);

  boost::asio::io_context ioc(1);
  auto guard = boost::asio::make_work_guard(ioc);
  auto run_until = [&](const std::function<bool()>& done, double seconds) {
    auto deadline = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
    while (!done() && now_ns() < deadline) ioc.run_for(std::chrono::milliseconds(2));
    return done();
  };

  bool debug = std::getenv("PARLEY_LOADGEN_DEBUG") != nullptr;
  int debug_frames = 0;
  // Agents first: they must see every conversation and message.
  std::int64_t setup_started = now_ns();
  std::vector<std::shared_ptr<WsClient>> agents;
  std::size_t agents_ready = 0, agents_failed = 0;
  std::string setup_error;
  for (std::size_t a = 0; a < agents_n; ++a) {
    std::string cookie;
    try {
      cookie = login_agent(agent_server, email, password);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    auto client = WsClient::create(ioc);
    agents.push_back(client);
    client->connect(agent_server, "", "/ws", {{"Cookie", cookie}, {"Origin", agent_server.origin()}},
                    {[&](const std::string& err) {
                       if (!err.empty()) ++agents_failed, setup_error = "agent: " + err;
                     },
                     [&, a](std::string_view text) {
                       if (debug && debug_frames++ < 20) std::cerr << "agent " << a << ": " << text.substr(0, 300) << "\n";
                       for_each_frame(text, [&](std::string_view frame) {
                         auto type = frame_type(frame);
                         if (type == "message") {
                           if (auto k = numbered_id(frame_client_id(frame), 'm')) {
                             tracker.on_delivered(first_agent + a, *k, now_ns());
                           }
                         } else if (type == "ready") {
                           ++agents_ready;
                         }
                       });
                     },
                     [&](const std::string& why) { tracker.on_closed("agent: " + why); }});
  }
  if (!run_until([&] { return agents_ready + agents_failed == agents_n; }, 30) || agents_failed) {
    return fail(setup_error.empty() ? "agents did not get ready" : setup_error);
  }

  std::vector<std::string> tokens;
  try {
    tokens = identify_visitors(server, visitors_n);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  // Socket s is tab s / V of visitor s % V: the first V sockets (tab A) send.
  std::size_t sockets_n = visitors_n * tabs;
  std::vector<std::shared_ptr<WsClient>> visitors(sockets_n);
  std::size_t visitors_ready = 0, visitors_failed = 0, opened = 0, next_visitor = 0;
  std::function<void()> connect_next = [&] {
    if (next_visitor >= sockets_n) return;
    std::size_t i = next_visitor++;
    bool receiving_tab = i >= visitors_n;
    auto client = WsClient::create(ioc);
    visitors[i] = client;
    WsClient* raw = client.get();
    auto is_ready = std::make_shared<bool>(false);
    client->connect(
        server, source_address(i, sources), "/ws", {},
        {[&, raw, i](const std::string& err) {
           if (!err.empty()) {
             ++visitors_failed, setup_error = "visitor: " + err;
             return connect_next();
           }
           raw->send(R"({"type":"auth","visitorToken":")" + tokens[i % visitors_n] + "\"}");
         },
         [&, is_ready, receiving_tab](std::string_view text) {
           if (receiving_tab && *is_ready) {
             for_each_frame(text, [&](std::string_view frame) {
               auto type = frame_type(frame);
               if (type == "error") return tracker.on_error(frame);
               if (type != "message") return;
               if (auto k = numbered_id(frame_client_id(frame), 'm')) tracker.on_delivered(0, *k, now_ns());
             });
             return;
           }
           auto type = frame_type(text);
           if (type == "ack") {
             auto id = frame_client_id(text);
             if (auto k = numbered_id(id, 'm')) tracker.on_ack(*k, now_ns());
             else if (numbered_id(id, 'o')) ++opened;
           } else if (type == "ready" && !*is_ready) {
             *is_ready = true;
             ++visitors_ready;
             connect_next();
           } else if (type == "error") {
             if (!*is_ready) {
               ++visitors_failed, setup_error = "visitor: " + std::string(text.substr(0, 200));
               return connect_next();
             }
             tracker.on_error(text);
           }
         },
         [&, is_ready](const std::string& why) {
           if (!*is_ready) {
             ++visitors_failed, setup_error = "visitor: " + why;
             return connect_next();
           }
           tracker.on_closed("visitor: " + why);
         }});
  };
  for (std::size_t c = 0; c < std::min<std::size_t>(200, sockets_n); ++c) connect_next();
  if (!run_until([&] { return visitors_ready + visitors_failed == sockets_n; }, 120) || visitors_failed) {
    return fail(setup_error.empty() ? "visitors did not get ready" : setup_error);
  }

  // One message each opens every visitor's conversation before the clock starts.
  for (std::size_t i = 0; i < visitors_n; ++i) visitors[i]->send(send_frame("o", i, "open"));
  if (!run_until([&] { return opened == visitors_n; }, 120)) {
    return fail("only " + std::to_string(opened) + " of " + std::to_string(visitors_n) + " conversations opened");
  }
  out["setup_seconds"] = std::round(static_cast<double>(now_ns() - setup_started) / 1e7) / 100;

  // The open loop: each tick sends every message whose time has come.
  std::uint64_t next = 0;
  std::size_t max_queue = 0;
  boost::asio::steady_timer timer(ioc);
  std::function<void()> tick = [&] {
    std::int64_t now = now_ns();
    while (next < tracker.total() && tracker.intended_ns(next) <= now) {
      auto& v = visitors[next % visitors_n];
      v->send(send_frame("m", next, bodies[next % bodies.size()]));
      max_queue = std::max(max_queue, v->queued());
      tracker.on_sent(next, now);
      ++next;
    }
    if (next >= tracker.total()) return;
    timer.expires_at(at_ns(std::max(tracker.intended_ns(next), now + tick_ns)));
    timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) tick();
    });
  };
  tracker.start(now_ns() + 20'000'000);
  timer.expires_at(at_ns(tracker.intended_ns(0)));
  timer.async_wait([&](boost::system::error_code ec) {
    if (!ec) tick();
  });
  // The windows' lines as they finish, so a long run can be watched (and cut short).
  boost::asio::steady_timer window_timer(ioc);
  std::function<void()> print_windows = [&] {
    tracker.flush_windows(std::cout, now_ns(), false);
    window_timer.expires_after(std::chrono::milliseconds(250));
    window_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) print_windows();
    });
  };
  if (window > 0) print_windows();
  run_until([&] { return next >= tracker.total(); }, warmup + duration + 600);
  std::int64_t drain_started = now_ns();
  run_until([&] { return tracker.complete(); }, drain);
  out["drain_seconds"] = std::round(static_cast<double>(now_ns() - drain_started) / 1e7) / 100;
  out["max_client_queue"] = max_queue;
  tracker.flush_windows(std::cout, now_ns(), true);
  out.update(tracker.summary());
  std::cout << out.dump() << std::endl;
  std::cout.flush();
  std::_Exit(0);  // no orderly close of thousands of sockets
}

}  // namespace loadgen
