#pragma once
// Reads the event log (conversation/event_writer.hpp) in seq order and hands each event to the sockets of
// this process — for every process alike, the one that wrote it included. Woken by NOTIFY
// from other processes, by poke() from this one, and once a second in any case; after a lost
// connection it reconnects (back-off 100 ms doubling to 5 s, with jitter; one log line when
// lost, one when back) and continues from the last seq it delivered: no gap, no repeat.
// The same connection LISTENs for ephemeral signals (typing, presence), passed on as they come.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <pqxx/connection>

#include "parley/chat/event_origins.hpp"
#include "parley/chat/hub.hpp"
#include "parley/conversation/event_writer.hpp"

namespace parley::chat {

class Cluster;

class EventFeed : public conversation::EventsCommitted {
 public:
  // `cluster` gets the signals, and is asked to say hello after every (re)connection;
  // `origins`: what this process's writer records (event_origins.hpp).
  EventFeed(std::string database_url, Hub& hub, Cluster& cluster, EventOrigins& origins);
  ~EventFeed() override;

  // Reads the current end of the log (the feed delivers what comes after) and starts the thread.
  void start();
  void events_committed() override { poke(); }
  void poke();  // thread-safe
  void stop();

  std::uint64_t delivered() const { return delivered_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }

 private:
  void thread_main();
  void serve_connection();  // returns when the connection breaks or on stop
  std::size_t read_events(pqxx::connection& conn);
  void sleep_unless_stopped(std::chrono::milliseconds pause);

  std::string url_;
  Hub& hub_;
  Cluster& cluster_;
  EventOrigins& origins_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  // Feed thread only: whether the last connection got as far as reading the log (true at
  // first, so that failing to connect at start is reported once), and since when it has been
  // lost.
  bool connected_ = true;
  std::optional<std::chrono::steady_clock::time_point> lost_since_;
  std::int64_t cursor_ = -1;  // last seq delivered; -1 until the end of the log is known
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::thread thread_;
};

}  // namespace parley::chat
