// parley_loadgen: Parley's load generator (see bench/README.md).
//   parley_loadgen idle  --url http://127.0.0.1:PORT --connections N [--processes P] [--measure-pid PID]
//   parley_loadgen relay --url … --visitors V --rate R --duration D --agent-email E --agent-password P [--window S]
//   parley_loadgen coldstart --url … -- SERVER COMMAND…
#include <signal.h>

#include <iostream>

#include "modes.hpp"

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    loadgen::Options options(argc, argv, 2);
    if (mode == "idle") return loadgen::run_idle(options);
    if (mode == "relay") return loadgen::run_relay(options);
    if (mode == "coldstart") return loadgen::run_coldstart(options);
    std::cerr << "usage: parley_loadgen idle|relay|coldstart --url http://HOST:PORT [options] (see bench/README.md)\n";
    return 2;
  } catch (const loadgen::UsageError& e) {
    std::cerr << "parley_loadgen: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "parley_loadgen " << mode << ": " << e.what() << "\n";
    return 1;
  }
}
