// parley_loadgen: Parley's load generator (see bench/README.md).
//   parley_loadgen idle  --url http://127.0.0.1:PORT --connections N [--processes P] [--measure-pid PID]
//   parley_loadgen relay --url … --visitors V --rate R --duration D --agent-email E --agent-password P [--window S]
//                        [--pairs [--agents 0]]  (two tabs per visitor: tab A sends, tab B receives)
//   parley_loadgen coldstart --url … -- SERVER COMMAND…
//   parley_loadgen identify --url … --count N > tokens
//   parley_loadgen storm --url … --tokens-file F --tabs T [--hold S] [--measure-pid PID] [--pg-pid PID]
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
    if (mode == "identify") return loadgen::run_identify(options);
    if (mode == "storm") return loadgen::run_storm(options);
    std::cerr << "usage: parley_loadgen idle|relay|coldstart|identify|storm --url http://HOST:PORT [options] (see bench/README.md)\n";
    return 2;
  } catch (const loadgen::UsageError& e) {
    std::cerr << "parley_loadgen: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "parley_loadgen " << mode << ": " << e.what() << "\n";
    return 1;
  }
}
