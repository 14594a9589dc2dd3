#include "parley/chat/event_feed.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "parley/chat/event_log.hpp"

namespace parley::chat {
namespace {

constexpr int kPollMillis = 1000;  // read the log at least this often, NOTIFY or not
constexpr std::int64_t kReadPage = 2000;
constexpr auto kReconnectPause = std::chrono::milliseconds(500);

class Listener : public pqxx::notification_receiver {
 public:
  Listener(pqxx::connection_base& conn, const std::string& channel, std::function<void(const std::string&)> fn)
      : pqxx::notification_receiver(conn, channel), fn_(std::move(fn)) {}
  void operator()(const std::string& payload, int) override { fn_(payload); }

 private:
  std::function<void(const std::string&)> fn_;
};

}  // namespace

EventFeed::EventFeed(std::string database_url, Hub& hub, SignalHandler on_signal)
    : url_(std::move(database_url)), hub_(hub), on_signal_(std::move(on_signal)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

EventFeed::~EventFeed() {
  stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void EventFeed::start(std::function<void()> on_connected) {
  on_connected_ = std::move(on_connected);
  try {
    pqxx::connection conn(url_);
    pqxx::read_transaction txn(conn);
    cursor_ = txn.exec1("SELECT coalesce(max(seq), 0) FROM event_log")[0].as<std::int64_t>();
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
  while (!stopping_) {
    try {
      serve_connection();
    } catch (const std::exception& e) {
      if (stopping_) break;
      spdlog::warn("event feed: connection lost ({}); reconnecting", e.what());
    }
    if (stopping_) break;
    reconnects_.fetch_add(1);
    pollfd pause{wake_fd_, POLLIN, 0};
    poll(&pause, 1, static_cast<int>(kReconnectPause.count()));
  }
}

void EventFeed::serve_connection() {
  pqxx::connection conn(url_);
  Listener events(conn, kEventsChannel, [](const std::string&) {});  // a wake-up: we read below
  Listener signals(conn, kSignalsChannel, [this](const std::string& payload) { on_signal_(payload); });
  if (cursor_ < 0) {
    pqxx::read_transaction txn(conn);
    cursor_ = txn.exec1("SELECT coalesce(max(seq), 0) FROM event_log")[0].as<std::int64_t>();
  }
  read_events(conn);  // catch up with what happened while we were away
  if (on_connected_) on_connected_();
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
    pqxx::result rows;
    {
      pqxx::read_transaction txn(conn);
      rows = txn.exec_params(
          "SELECT seq, visitor_id, frame, to_agents, visitor_frame FROM event_log WHERE seq > $1 ORDER BY seq LIMIT $2",
          cursor_, kReadPage);
    }
    std::vector<Hub::Delivery> page;
    page.reserve(rows.size());
    for (const auto& row : rows) {
      Frame frame = make_frame(row[2].c_str());
      Hub::Delivery d;
      if (row[3].as<bool>()) d.to_agents = frame;
      if (!row[1].is_null()) {
        d.visitor_id = row[1].as<std::int64_t>();
        d.to_visitor = row[4].is_null() ? frame : make_frame(row[4].c_str());
      }
      page.push_back(std::move(d));
    }
    hub_.deliver(page);
    if (!rows.empty()) cursor_ = rows[rows.size() - 1][0].as<std::int64_t>();
    total += rows.size();
    delivered_.fetch_add(rows.size());
    if (static_cast<std::int64_t>(rows.size()) < kReadPage) return total;
  }
}

}  // namespace parley::chat
