// `coldstart`: execs the server command given after `--`, then polls GET <path> (default
// /readyz) every 0.5 ms until it answers 200. Reports the time from just before exec to
// that answer, then stops the server with SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "clock.hpp"
#include "http_client.hpp"
#include "modes.hpp"

namespace loadgen {

int run_coldstart(const Options& options) {
  Endpoint server = parse_url(options.required("url"));
  std::string path = options.str("path", "/readyz");
  double timeout = options.number("timeout", 30);
  const auto& cmd = options.rest();
  if (cmd.empty()) throw UsageError("coldstart needs the server command after --");

  std::vector<char*> argv;
  for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  std::int64_t started = now_ns();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(2, 1);  // our stdout carries only the JSON result
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  std::int64_t ready_at = 0;
  int status = 0, attempts = 0;
  std::string last;
  while (now_ns() - started < static_cast<std::int64_t>(timeout * 1e9)) {
    ++attempts;
    try {
      HttpClient client(server);
      auto res = client.request("GET", path);
      status = res.status;
      if (status == 200) {
        ready_at = now_ns();
        break;
      }
    } catch (const std::exception& e) {
      last = e.what();
    }
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = 0;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  if (pid > 0) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  nlohmann::json out = {{"mode", "coldstart"}, {"label", options.str("label", "")}, {"path", path}, {"attempts", attempts}};
  if (ready_at) {
    out["ready_ms"] = std::round(static_cast<double>(ready_at - started) / 1e4) / 100;
  } else {
    out["error"] = pid == 0 ? "the server exited before it was ready" : "not ready within the timeout";
    out["last_status"] = status;
    if (!last.empty()) out["last_error"] = last;
  }
  std::cout << out.dump() << std::endl;
  return ready_at ? 0 : 1;
}

}  // namespace loadgen
