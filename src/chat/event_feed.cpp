#include "parley/chat/event_feed.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include <pqxx/pqxx>

#include "parley/chat/cluster.hpp"
#include "parley/chat/event_deliveries.hpp"

namespace parley::chat {
namespace {

constexpr int kPollMillis = 1000;  // read the log at least this often, NOTIFY or not
// A page is at most kReadPage rows and, past its first row, at most kReadBytes of frames: a
// batch row may hold a thousand messages.
constexpr std::int64_t kReadPage = 500;
constexpr std::int64_t kReadBytes = 4 << 20;
// Reconnecting: the first pause is short (a blip), then doubles up to a bound, each with
// jitter so that processes sharing a database do not come back in step.
constexpr auto kFirstReconnectPause = std::chrono::milliseconds(100);
constexpr auto kMaxReconnectPause = std::chrono::milliseconds(5000);

class Listener : public pqxx::notification_receiver {
 public:
  Listener(pqxx::connection_base& conn, const std::string& channel, std::function<void(const std::string&)> fn)
      : pqxx::notification_receiver(conn, channel), fn_(std::move(fn)) {}
  void operator()(const std::string& payload, int) override { fn_(payload); }

 private:
  std::function<void(const std::string&)> fn_;
};

}  // namespace

EventFeed::EventFeed(std::string database_url, Hub& hub, Cluster& cluster, EventOrigins& origins)
    : url_(std::move(database_url)), hub_(hub), cluster_(cluster), origins_(origins) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

EventFeed::~EventFeed() {
  stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void EventFeed::start() {
  try {
    pqxx::connection conn(url_);
    cursor_ = conversation::last_event_seq(conn);
  } catch (const std::exception& e) {
    spdlog::warn("event feed: cannot read the end of the log yet ({}); will start from it on connect", e.what());
  }
  thread_ = std::thread([this] { thread_main(); });
}

void EventFeed::poke() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

void EventFeed::stop() {
  if (stopping_.exchange(true)) return;
  poke();
  if (thread_.joinable()) thread_.join();
}

void EventFeed::thread_main() {
  std::minstd_rand random(std::random_device{}());
  auto pause = kFirstReconnectPause;
  while (!stopping_) {
    std::string error;
    try {
      serve_connection();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (stopping_) break;
    // One line when the connection is lost, one when it is back (serve_connection), none per
    // failed attempt in between: a restart of PostgreSQL is two lines, not thousands.
    if (connected_) {
      connected_ = false;
      lost_since_ = std::chrono::steady_clock::now();
      pause = kFirstReconnectPause;
      reconnects_.fetch_add(1);
      spdlog::warn("event feed: connection lost ({}); reconnecting with back-off", error);
    } else {
      spdlog::debug("event feed: reconnect failed ({})", error);
    }
    // Anywhere between half the pause and all of it.
    auto jittered = std::uniform_int_distribution<std::int64_t>(pause.count() / 2, pause.count())(random);
    sleep_unless_stopped(std::chrono::milliseconds(jittered));
    pause = std::min(pause * 2, kMaxReconnectPause);
  }
}

void EventFeed::sleep_unless_stopped(std::chrono::milliseconds pause) {
  // poke() writes the same eventfd after every commit: it wakes the poll below, but only
  // stop() ends the pause, or a busy server would reconnect as fast as it commits.
  auto until = std::chrono::steady_clock::now() + pause;
  while (!stopping_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd fd{wake_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count()) + 1) > 0) {
      std::uint64_t count;
      [[maybe_unused]] auto n = read(wake_fd_, &count, sizeof count);
    }
  }
}

void EventFeed::serve_connection() {
  pqxx::connection conn(url_);
  Listener events(conn, conversation::kEventsChannel, [](const std::string&) {});  // a wake-up: we read below
  Listener signals(conn, kSignalsChannel, [this](const std::string& payload) { cluster_.on_signal(payload); });
  conversation::prepare_event_reads(conn);
  if (cursor_ < 0) cursor_ = conversation::last_event_seq(conn);
  read_events(conn);  // catch up with what happened while we were away
  if (!connected_) {
    connected_ = true;
    if (lost_since_) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *lost_since_);
      spdlog::info("event feed: connection back after {} ms", ms.count());
    }
  }
  cluster_.say_hello();
  while (!stopping_) {
    pollfd fds[2] = {{conn.sock(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = poll(fds, 2, kPollMillis);
    if (ready < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    if (fds[1].revents & POLLIN) {
      std::uint64_t count;
      [[maybe_unused]] auto n = read(wake_fd_, &count, sizeof count);
    }
    if (stopping_) break;
    conn.get_notifs();  // dispatches signals; throws broken_connection when the server is gone
    read_events(conn);
  }
}

std::size_t EventFeed::read_events(pqxx::connection& conn) {
  std::size_t total = 0;
  for (;;) {
    pqxx::result rows = conversation::read_event_page(conn, cursor_, kReadPage, kReadBytes);
    std::vector<Hub::Delivery> page;
    page.reserve(rows.size());
    for (const auto& row : rows) {
      EventRow event{std::string_view(row[2].c_str(), row[2].size()), row[3].as<bool>(), row[1].is_null() ? 0 : row[1].as<std::int64_t>(),
                     row[4].is_null() ? nullptr : row[4].c_str(), row[5].is_null() ? nullptr : row[5].c_str()};
      try {
        if (event.visitor_ids) {
          append_deliveries(event, page, origins_.take(row[0].as<std::int64_t>()));
        } else {
          append_deliveries(event, page);
        }
      } catch (const std::invalid_argument& e) {
        // Retrying cannot help; every other event still goes out.
        spdlog::error("event feed: skipped event {}: {}", row[0].c_str(), e.what());
      }
    }
    hub_.deliver(page);
    total += page.size();
    delivered_.fetch_add(page.size());
    if (rows.empty()) return total;
    cursor_ = rows[rows.size() - 1][0].as<std::int64_t>();
    bool cut = rows[0][6].as<std::int64_t>() > static_cast<std::int64_t>(rows.size());
    if (!cut && static_cast<std::int64_t>(rows.size()) < kReadPage) return total;
  }
}

}  // namespace parley::chat
