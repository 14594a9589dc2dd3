// `idle`: opens N visitor WebSockets that authenticate and then stay idle, spread over
// several processes (one process may hold at most ~19k sockets here) and several loopback
// source addresses — N to each server when several are named. The parent only coordinates:
// once every child reports its sockets ready it samples each server's RSS, holds, samples
// again, then tells the children to stop.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "clock.hpp"
#include "modes.hpp"
#include "proc.hpp"
#include "setup.hpp"
#include "ws_client.hpp"
#include "pipe_lines.hpp"

namespace loadgen {
namespace {

struct Share {
  std::size_t begin = 0, end = 0;  // connection indices
};

struct ChildConfig {
  Endpoint server;
  const std::vector<std::string>* tokens;
  std::size_t sources;
  std::size_t concurrency;
};

// One child: opens its share, reports "R ready failed error", holds until the control pipe
// says stop (or closes), reports "F open closed_during_hold", exits.
[[noreturn]] void child_main(const ChildConfig& cfg, Share share, int status_fd, int control_fd) {
  boost::asio::io_context ioc(1);
  std::vector<std::shared_ptr<WsClient>> clients;
  clients.reserve(share.end - share.begin);
  std::size_t next = share.begin, ready = 0, failed = 0, closed_after_ready = 0;
  std::string first_error;
  bool reported = false;
  std::function<void()> launch;

  auto settle = [&](bool ok, const std::string& why) {
    ok ? ++ready : ++failed;
    if (!ok && first_error.empty()) first_error = why;
    if (!reported && ready + failed == share.end - share.begin) {
      reported = true;
      std::string err = first_error;
      for (auto& c : err) if (c == '\n') c = ' ';
      write_line(status_fd, "R " + std::to_string(ready) + " " + std::to_string(failed) + " " + err);
    }
    // Posted, not called: a connect that fails at once must not recurse through the share.
    boost::asio::post(ioc, [&] { launch(); });
  };

  launch = [&] {
    if (next >= share.end) return;
    std::size_t i = next++;
    auto client = WsClient::create(ioc);
    clients.push_back(client);
    auto state = std::make_shared<int>(0);  // 0 connecting, 1 authenticating, 2 ready, 3 failed
    WsClient* raw = client.get();
    const std::string& token = (*cfg.tokens)[i % cfg.tokens->size()];
    client->connect(cfg.server, source_address(i, cfg.sources), "/ws", {},
                    {[&, state, raw, token](const std::string& err) {
                       if (!err.empty()) {
                         *state = 3;
                         return settle(false, err);
                       }
                       *state = 1;
                       raw->send(R"({"type":"auth","visitorToken":")" + token + "\"}");
                     },
                     [&, state](std::string_view text) {
                       if (*state != 1) return;
                       if (text.find(R"("type":"ready")") != std::string_view::npos) {
                         *state = 2;
                         settle(true, "");
                       } else if (text.find(R"("type":"error")") != std::string_view::npos) {
                         *state = 3;
                         settle(false, std::string(text.substr(0, 200)));
                       }
                     },
                     [&, state](const std::string& why) {
                       if (*state == 2) ++closed_after_ready;
                       else if (*state == 1) {
                         *state = 3;
                         settle(false, why);
                       }
                     }});
  };
  if (share.end == share.begin) write_line(status_fd, "R 0 0 ");
  for (std::size_t k = 0; k < cfg.concurrency; ++k) launch();

  std::thread control([&] {
    read_line(control_fd);  // a line or EOF: stop
    boost::asio::post(ioc, [&] {
      std::size_t open = 0;
      for (auto& c : clients) open += c->is_open() ? 1 : 0;
      write_line(status_fd, "F " + std::to_string(open) + " " + std::to_string(closed_after_ready));
      ::_exit(0);  // the kernel closes every socket at once
    });
  });
  ioc.run();
  control.join();
  ::_exit(0);
}

// One server under test: its sockets, its tokens, and what was measured of it.
struct Target {
  Endpoint server;
  pid_t measure = 0;
  std::vector<std::string> tokens;
  std::size_t ready = 0, failed = 0, open_at_end = 0, closed_during_hold = 0;
  std::int64_t rss_before = -1, rss_ready = -1, rss_held = -1;
  std::string first_error;
};

std::vector<pid_t> measure_pids(const Options& options, std::size_t targets) {
  std::vector<pid_t> pids;
  for (const auto& p : split_list(options.str("measure-pid", ""))) {
    try {
      pids.push_back(static_cast<pid_t>(std::stol(p)));
    } catch (const std::exception&) {
      throw UsageError("--measure-pid must be a process id per --url, got '" + p + "'");
    }
  }
  if (!pids.empty() && pids.size() != targets) throw UsageError("--measure-pid needs one process id per --url");
  pids.resize(targets, 0);
  return pids;
}

nlohmann::json rss_json(const Target& t) {
  nlohmann::json out = {{"rss_before_kib", t.rss_before}, {"rss_ready_kib", t.rss_ready}, {"rss_held_kib", t.rss_held}};
  if (t.ready > 0 && t.rss_held > 0 && t.rss_before > 0) {
    double per = static_cast<double>(std::max(t.rss_ready, t.rss_held) - t.rss_before) * 1024.0 / static_cast<double>(t.ready);
    out["bytes_per_connection"] = std::round(per);
  }
  return out;
}

}  // namespace

// --url may name several servers (comma-separated): each gets --connections sockets, opened
// at the same time, and --measure-pid then names each one's process in the same order.
int run_idle(const Options& options) {
  std::vector<Target> targets;
  for (const auto& url : split_list(options.required("url"))) {
    targets.emplace_back();
    targets.back().server = parse_url(url);
  }
  if (targets.empty()) throw UsageError("--url is empty");
  auto pids = measure_pids(options, targets.size());
  auto n = static_cast<std::size_t>(options.integer("connections", 1000));
  auto per_process = static_cast<std::size_t>(std::max<std::int64_t>(1, options.integer("per-process", 9500)));
  auto processes = static_cast<std::size_t>(options.integer("processes", static_cast<std::int64_t>((n + per_process - 1) / per_process)));
  processes = std::max<std::size_t>(1, processes);
  auto token_count = static_cast<std::size_t>(options.integer("tokens", static_cast<std::int64_t>(std::min<std::size_t>(n, 500))));
  token_count = std::max<std::size_t>(1, std::min(token_count, n));
  auto sources = static_cast<std::size_t>(options.integer("sources", 4));
  auto concurrency = static_cast<std::size_t>(options.integer("concurrency", 200));
  double hold = options.number("hold", 5), settle = options.number("settle", 2);

  for (std::size_t t = 0; t < targets.size(); ++t) {
    targets[t].measure = pids[t];
    targets[t].tokens = identify_visitors(targets[t].server, token_count);
    if (targets[t].measure) targets[t].rss_before = rss_kib(targets[t].measure);
  }

  struct Child {
    pid_t pid;
    int status_fd, control_fd;
    Target* target;
  };
  std::vector<Child> children;
  std::int64_t started = now_ns();
  std::fflush(stdout);
  for (auto& target : targets) {
    ChildConfig cfg{target.server, &target.tokens, sources, concurrency};
    for (std::size_t p = 0; p < processes; ++p) {
      Share share{n * p / processes, n * (p + 1) / processes};
      int status[2], control[2];
      if (::pipe(status) != 0 || ::pipe(control) != 0) throw std::runtime_error("pipe failed");
      pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        ::close(status[0]);
        ::close(control[1]);
        for (auto& c : children) ::close(c.status_fd), ::close(c.control_fd);
        child_main(cfg, share, status[1], control[0]);
      }
      ::close(status[1]);
      ::close(control[0]);
      children.push_back({pid, status[0], control[1], &target});
    }
  }

  for (auto& c : children) {
    std::istringstream line(read_line(c.status_fd));
    std::string tag, err;
    std::size_t r = 0, f = 0;
    line >> tag >> r >> f;
    std::getline(line, err);
    if (tag != "R") err = "a load generator process died while connecting";
    c.target->ready += r;
    c.target->failed += f;
    if (c.target->first_error.empty() && err.find_first_not_of(' ') != std::string::npos) {
      c.target->first_error = err.substr(err.find_first_not_of(' '));
    }
  }
  double connect_seconds = static_cast<double>(now_ns() - started) / 1e9;
  // Every server is sampled at the same moments, while all of them hold their sockets.
  std::this_thread::sleep_for(std::chrono::duration<double>(settle));
  for (auto& t : targets) t.rss_ready = t.measure ? rss_kib(t.measure) : -1;
  std::this_thread::sleep_for(std::chrono::duration<double>(hold));
  for (auto& t : targets) t.rss_held = t.measure ? rss_kib(t.measure) : -1;

  for (auto& c : children) write_line(c.control_fd, "stop");
  for (auto& c : children) {
    std::istringstream line(read_line(c.status_fd));
    std::string tag;
    std::size_t o = 0, cl = 0;
    line >> tag >> o >> cl;
    c.target->open_at_end += o;
    c.target->closed_during_hold += cl;
    ::close(c.status_fd);
    ::close(c.control_fd);
    int st = 0;
    ::waitpid(c.pid, &st, 0);
  }

  std::size_t ready = 0, failed = 0, open_at_end = 0, closed_during_hold = 0;
  std::string first_error;
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& t : targets) {
    ready += t.ready, failed += t.failed, open_at_end += t.open_at_end, closed_during_hold += t.closed_during_hold;
    if (first_error.empty()) first_error = t.first_error;
    nlohmann::json s = {{"url", t.server.origin()},   {"ready", t.ready},
                        {"failed", t.failed},         {"open_at_end", t.open_at_end},
                        {"closed_during_hold", t.closed_during_hold}};
    if (t.measure) s.update(rss_json(t));
    servers.push_back(s);
  }
  std::size_t total = n * targets.size();
  nlohmann::json out = {{"mode", "idle"},
                        {"connections", total},
                        {"processes", processes * targets.size()},
                        {"sources", sources},
                        {"tokens", token_count * targets.size()},
                        {"ready", ready},
                        {"failed", failed},
                        {"open_at_end", open_at_end},
                        {"closed_during_hold", closed_during_hold},
                        {"connect_seconds", std::round(connect_seconds * 100) / 100},
                        {"hold_seconds", hold},
                        {"servers", servers}};
  if (!first_error.empty()) out["first_error"] = first_error;
  if (targets.size() == 1 && targets[0].measure) out.update(rss_json(targets[0]));
  std::cout << out.dump() << std::endl;
  return ready == total && open_at_end == total ? 0 : 1;
}

}  // namespace loadgen
