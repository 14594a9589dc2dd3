// `storm`: the reconnect storm after a restart or deploy. V visitors (tokens from
// --tokens-file, one a line, or identified here) with T tabs each: V×T sockets opened at the
// same moment by P processes (one process may hold at most ~19k sockets here), each sending
// `auth` as soon as it is open. Reports how long each took to be `ready` (from the storm's
// start, and from its `auth`), the server's and PostgreSQL's CPU time per socket (from
// /proc, between the storm's start and the last `ready`), closes by reason as the clients saw
// them and as the server counted them (/metrics), then holds the sockets and reports those
// closed during the hold.
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "clock.hpp"
#include "http_client.hpp"
#include "latency.hpp"
#include "modes.hpp"
#include "proc.hpp"
#include "setup.hpp"
#include "ws_client.hpp"
#include "pipe_lines.hpp"

namespace loadgen {
namespace {

constexpr std::int64_t kUnset = -1;

// Per socket, written by the child that owns it, read by the parent once the child reported:
// nanoseconds from the storm's start to `ready`, and from `auth` sent to `ready`.
struct Timings {
  std::int64_t* ready_ns;
  std::int64_t* auth_ns;
};

struct ChildConfig {
  Endpoint server;
  const std::vector<std::string>* tokens;
  std::size_t sources;
  std::size_t concurrency;  // 0: every socket at once
  std::int64_t start_ns;
  double ready_timeout;
  Timings timings;
};

// A bounded label for a close or failure as the client saw it.
std::string label_of(std::string why) {
  for (auto& c : why)
    if (c == '\n' || c == '"') c = ' ';
  if (why.size() > 80) why.resize(80);
  return why;
}

// One child: opens sockets [begin, end) (socket i is tab i / V of visitor i % V), reports
// {"ready","failed","pending","failures":{why:n}} once each is ready or failed (or at the
// ready timeout), then {"open","closed_before_hold","closed_during_hold","closes":{why:n}}
// when told to stop.
[[noreturn]] void child_main(const ChildConfig& cfg, std::size_t begin, std::size_t end, int status_fd,
                             int control_fd) {
  boost::asio::io_context ioc(1);
  enum State { Connecting, Authenticating, Ready, Failed };
  struct Socket {
    std::shared_ptr<WsClient> client;
    State state = Connecting;
    std::int64_t auth_sent = 0;
  };
  std::vector<Socket> sockets(end - begin);
  std::size_t next = begin, ready = 0, failed = 0, closed_before_hold = 0, closed_during_hold = 0;
  bool reported = false, holding = false;
  std::map<std::string, std::size_t> failures, closes;
  std::function<void()> launch;

  auto report = [&] {
    if (reported) return;
    reported = true;
    nlohmann::json r = {
        {"ready", ready}, {"failed", failed}, {"pending", (end - begin) - ready - failed}, {"failures", failures}};
    write_line(status_fd, r.dump());
  };
  auto settle = [&](Socket& s, bool ok, const std::string& why) {
    if (s.state == Ready || s.state == Failed) return;
    s.state = ok ? Ready : Failed;
    if (ok)
      ++ready;
    else
      ++failed, ++failures[label_of(why)];
    if (ready + failed == end - begin) report();
    // Posted, not called: a connect that fails at once must not recurse through the share.
    if (cfg.concurrency) boost::asio::post(ioc, [&] { launch(); });
  };

  launch = [&] {
    if (next >= end) return;
    std::size_t i = next++;
    Socket& s = sockets[i - begin];
    s.client = WsClient::create(ioc);
    WsClient* raw = s.client.get();
    const std::string& token = (*cfg.tokens)[i % cfg.tokens->size()];
    s.client->connect(cfg.server, source_address(i, cfg.sources), "/ws?role=visitor", {},
                      {[&, i, raw, token](const std::string& err) {
                         Socket& s = sockets[i - begin];
                         if (!err.empty()) return settle(s, false, err);
                         s.state = Authenticating;
                         s.auth_sent = now_ns();
                         raw->send(R"({"type":"auth","visitorToken":")" + token + "\"}");
                       },
                       [&, i](std::string_view text) {
                         Socket& s = sockets[i - begin];
                         if (s.state != Authenticating) return;
                         if (text.find(R"("type":"ready")") != std::string_view::npos) {
                           std::int64_t now = now_ns();
                           cfg.timings.ready_ns[i] = now - cfg.start_ns;
                           cfg.timings.auth_ns[i] = now - s.auth_sent;
                           settle(s, true, "");
                         } else if (text.find(R"("type":"error")") != std::string_view::npos) {
                           auto code = text.find(R"("code":")");
                           std::string what =
                               code == std::string_view::npos
                                   ? std::string(text.substr(0, 60))
                                   : std::string(text.substr(code + 8, text.find('"', code + 8) - code - 8));
                           settle(s, false, "error frame " + what);
                         }
                       },
                       [&, i](const std::string& why) {
                         Socket& s = sockets[i - begin];
                         if (s.state == Ready) {
                           ++(holding ? closed_during_hold : closed_before_hold);
                           ++closes[label_of(why)];
                         } else {
                           settle(s, false, why);
                         }
                       }});
  };
  if (begin == end) report();
  std::size_t first = cfg.concurrency ? std::min(cfg.concurrency, end - begin) : end - begin;
  for (std::size_t k = 0; k < first; ++k) launch();

  boost::asio::steady_timer deadline(ioc, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(cfg.ready_timeout)));
  deadline.async_wait([&](boost::system::error_code ec) {
    if (!ec) report();
  });

  std::thread control([&] {
    for (;;) {
      std::string line = read_line(control_fd);  // "hold", then "stop" (or EOF: stop)
      if (line == "hold") {
        boost::asio::post(ioc, [&] {
          holding = true;
          deadline.cancel();
          report();
        });
        continue;
      }
      boost::asio::post(ioc, [&] {
        std::size_t open = 0;
        for (auto& s : sockets) open += s.client && s.client->is_open() ? 1 : 0;
        nlohmann::json f = {{"open", open},
                            {"closed_before_hold", closed_before_hold},
                            {"closed_during_hold", closed_during_hold},
                            {"closes", closes}};
        write_line(status_fd, f.dump());
        ::_exit(0);  // the kernel closes every socket at once
      });
      return;
    }
  });
  ioc.run();
  control.join();
  ::_exit(0);
}

// The samples of one metric in Prometheus text: label value (of its one label) → value.
std::map<std::string, double> metric_samples(const std::string& text, const std::string& name) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0) continue;
    auto q1 = line.find('"'), q2 = line.find('"', q1 + 1), space = line.rfind(' ');
    if (q1 == std::string::npos || q2 == std::string::npos || space == std::string::npos) continue;
    out[line.substr(q1 + 1, q2 - q1 - 1)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// The server's count of closes by reason, or an empty map when /metrics cannot be read.
std::map<std::string, double> server_closes(const Endpoint& server, const std::string& metric) {
  try {
    HttpClient client(server);
    auto res = client.request("GET", "/metrics");
    if (res.status != 200) return {};
    return metric_samples(res.body, metric);
  } catch (const std::exception&) {
    return {};
  }
}

nlohmann::json delta(const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [reason, v] : after) {
    double d = v - (before.count(reason) ? before.at(reason) : 0);
    if (d > 0) out[reason] = d;
  }
  return out;
}

std::vector<std::string> read_tokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read --tokens-file " + path);
  std::vector<std::string> tokens;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) tokens.push_back(line);
  }
  if (tokens.empty()) throw UsageError("--tokens-file " + path + " holds no token");
  return tokens;
}

void merge_counts(nlohmann::json& into, const nlohmann::json& from) {
  for (const auto& [k, v] : from.items()) into[k] = into.value(k, 0) + v.get<std::size_t>();
}

}  // namespace

// `identify`: prints N new visitor tokens, one a line (for `storm --tokens-file`, so the
// visitors can be made by one server process and the storm hit a fresh one).
int run_identify(const Options& options) {
  auto server = parse_url(options.required("url"));
  auto n = static_cast<std::size_t>(options.integer("count", 1000));
  for (const auto& t : identify_visitors(server, n)) std::cout << t << "\n";
  return 0;
}

int run_storm(const Options& options) {
  auto server = parse_url(options.required("url"));
  auto tabs = static_cast<std::size_t>(std::max<std::int64_t>(1, options.integer("tabs", 19)));
  std::vector<std::string> tokens =
      options.flag("tokens-file")
          ? read_tokens(options.str("tokens-file", ""))
          : identify_visitors(server, static_cast<std::size_t>(options.integer("visitors", 1000)));
  std::size_t n = tokens.size() * tabs;
  auto per_process = static_cast<std::size_t>(std::max<std::int64_t>(1, options.integer("per-process", 9500)));
  auto processes = static_cast<std::size_t>(std::max<std::int64_t>(
      1, options.integer("processes", static_cast<std::int64_t>((n + per_process - 1) / per_process))));
  auto sources = static_cast<std::size_t>(options.integer("sources", 4));
  auto concurrency = static_cast<std::size_t>(options.integer("concurrency", 0));
  double hold = options.number("hold", 30), ready_timeout = options.number("ready-timeout", 120);
  auto server_pid = static_cast<pid_t>(options.integer("measure-pid", 0));
  auto pg_pid = static_cast<pid_t>(options.integer("pg-pid", 0));
  int server_cpu = static_cast<int>(options.integer("server-cpu", -1));
  const std::string kServerCloses = "parley_websocket_server_closes_total";

  // Every child writes its sockets' times here; the parent reads them after the child reported.
  std::size_t bytes = std::max<std::size_t>(1, 2 * n * sizeof(std::int64_t));
  void* shared = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw std::runtime_error("mmap failed");
  Timings timings{static_cast<std::int64_t*>(shared), static_cast<std::int64_t*>(shared) + n};
  std::fill(timings.ready_ns, timings.ready_ns + 2 * n, kUnset);

  const std::string kAllCloses = "parley_websocket_closes_total";  // every end, the client's included
  auto closes_before = server_closes(server, kServerCloses);
  auto all_before = server_closes(server, kAllCloses);
  std::int64_t server_cpu0 = server_pid ? cpu_us(server_pid) : -1, pg_cpu0 = pg_pid ? tree_cpu_us(pg_pid) : -1;
  CpuTicks ticks0 = server_cpu >= 0 ? cpu_ticks(server_cpu) : CpuTicks{};

  struct Child {
    pid_t pid;
    int status_fd, control_fd;
  };
  std::vector<Child> children;
  std::int64_t start = now_ns();
  std::fflush(stdout);
  // Socket i belongs to visitor i % V: every process opens tabs of every visitor, as a restart
  // finds them, and the first sockets of the storm are not all one visitor's.
  ChildConfig cfg{server, &tokens, sources, concurrency, start, ready_timeout, timings};
  for (std::size_t p = 0; p < processes; ++p) {
    std::size_t begin = n * p / processes, end = n * (p + 1) / processes;
    int status[2], control[2];
    if (::pipe(status) != 0 || ::pipe(control) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(status[0]);
      ::close(control[1]);
      for (auto& c : children) ::close(c.status_fd), ::close(c.control_fd);
      child_main(cfg, begin, end, status[1], control[0]);
    }
    ::close(status[1]);
    ::close(control[0]);
    children.push_back({pid, status[0], control[1]});
  }

  std::size_t ready = 0, failed = 0, pending = 0;
  nlohmann::json failures = nlohmann::json::object();
  for (auto& c : children) {
    auto r = nlohmann::json::parse(read_line(c.status_fd), nullptr, false);
    if (r.is_discarded()) {
      merge_counts(failures, {{"a load generator process died", 1}});
      continue;
    }
    ready += r.value("ready", std::size_t{0});
    failed += r.value("failed", std::size_t{0});
    pending += r.value("pending", std::size_t{0});
    merge_counts(failures, r["failures"]);
  }
  // The storm ends with the last `ready`: its CPU is measured to here.
  std::int64_t server_cpu1 = server_pid ? cpu_us(server_pid) : -1, pg_cpu1 = pg_pid ? tree_cpu_us(pg_pid) : -1;
  CpuTicks ticks1 = server_cpu >= 0 ? cpu_ticks(server_cpu) : CpuTicks{};
  double storm_seconds = static_cast<double>(now_ns() - start) / 1e9;
  auto closes_storm = server_closes(server, kServerCloses);
  auto all_storm = server_closes(server, kAllCloses);

  for (auto& c : children) write_line(c.control_fd, "hold");
  std::this_thread::sleep_for(std::chrono::duration<double>(hold));
  // Read before the sockets go: their end is not the server's doing.
  auto closes_end = server_closes(server, kServerCloses);
  auto all_end = server_closes(server, kAllCloses);
  for (auto& c : children) write_line(c.control_fd, "stop");
  std::size_t open_at_end = 0, closed_before_hold = 0, closed_during_hold = 0;
  nlohmann::json closes = nlohmann::json::object();
  for (auto& c : children) {
    auto f = nlohmann::json::parse(read_line(c.status_fd), nullptr, false);
    if (!f.is_discarded()) {
      open_at_end += f.value("open", std::size_t{0});
      closed_before_hold += f.value("closed_before_hold", std::size_t{0});
      closed_during_hold += f.value("closed_during_hold", std::size_t{0});
      merge_counts(closes, f["closes"]);
    }
    ::close(c.status_fd);
    ::close(c.control_fd);
    int st = 0;
    ::waitpid(c.pid, &st, 0);
  }

  Latency ready_latency, auth_latency;
  ready_latency.reserve(ready);
  auth_latency.reserve(ready);
  for (std::size_t i = 0; i < n; ++i) {
    if (timings.ready_ns[i] != kUnset) ready_latency.add_ns(timings.ready_ns[i]);
    if (timings.auth_ns[i] != kUnset) auth_latency.add_ns(timings.auth_ns[i]);
  }
  ::munmap(shared, bytes);

  nlohmann::json out = {{"mode", "storm"},
                        {"visitors", tokens.size()},
                        {"tabs", tabs},
                        {"connections", n},
                        {"processes", processes},
                        {"ready", ready},
                        {"failed", failed},
                        {"not_ready_in_time", pending},
                        {"failures", failures},
                        {"storm_seconds", std::round(storm_seconds * 1000) / 1000},
                        {"ready_ms", ready_latency.summary()},
                        {"auth_to_ready_ms", auth_latency.summary()},
                        {"hold_seconds", hold},
                        {"closed_after_ready_before_hold", closed_before_hold},
                        {"closed_during_hold", closed_during_hold},
                        {"open_at_end", open_at_end},
                        {"client_closes_after_ready", closes},
                        {"server_closes_storm", delta(closes_before, closes_storm)},
                        {"server_closes_hold", delta(closes_storm, closes_end)},
                        {"all_closes_storm", delta(all_before, all_storm)},
                        {"all_closes_hold", delta(all_storm, all_end)}};
  // Per socket opened: those refused cost the server too.
  auto per_socket = [&](std::int64_t us) { return std::round(static_cast<double>(us) / static_cast<double>(n)); };
  if (server_pid && server_cpu0 >= 0 && server_cpu1 >= 0) {
    out["server_cpu_ms"] = (server_cpu1 - server_cpu0) / 1000;
    out["server_cpu_us_per_socket"] = per_socket(server_cpu1 - server_cpu0);
  }
  if (pg_pid && pg_cpu0 >= 0 && pg_cpu1 >= 0) {
    out["pg_cpu_ms"] = (pg_cpu1 - pg_cpu0) / 1000;
    out["pg_cpu_us_per_socket"] = per_socket(pg_cpu1 - pg_cpu0);
  }
  if (out.contains("server_cpu_us_per_socket") && out.contains("pg_cpu_us_per_socket")) {
    out["total_cpu_us_per_socket"] = per_socket((server_cpu1 - server_cpu0) + (pg_cpu1 - pg_cpu0));
  }
  if (server_cpu >= 0 && ticks1.total >= ticks0.total) {
    // The share of the server CPU that processes other than the server and PostgreSQL took
    // during the storm: a high one means the neighbours were measured too. A storm shorter than
    // one clock tick (a few sockets) saw no tick at all: 0 at the counters' resolution.
    static const long hz = sysconf(_SC_CLK_TCK);
    double ours_ticks =
        static_cast<double>((server_cpu1 - server_cpu0) + (pg_cpu1 - pg_cpu0)) * static_cast<double>(hz) / 1e6;
    double others = static_cast<double>(ticks1.busy - ticks0.busy) - ours_ticks;
    out["others_on_server_cpu_pct"] =
        std::round(std::max(0.0, 1000 * others / static_cast<double>(std::max<std::int64_t>(1, ticks1.total - ticks0.total)))) / 10;
  }
  std::cout << out.dump() << std::endl;
  return ready == n && open_at_end == n ? 0 : 1;
}

}  // namespace loadgen
