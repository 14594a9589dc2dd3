#include "parley/help/answer_cache_listener.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

namespace parley::help {
namespace {

constexpr auto kReconnectPause = std::chrono::seconds(2);

class Listener : public pqxx::notification_receiver {
 public:
  Listener(pqxx::connection_base& conn, AnswerCache& cache) : pqxx::notification_receiver(conn, kArticlesChannel), cache_(cache) {}
  void operator()(const std::string&, int) override { cache_.invalidate(); }

 private:
  AnswerCache& cache_;
};

}  // namespace

AnswerCacheListener::AnswerCacheListener(std::string database_url, AnswerCache& cache)
    : url_(std::move(database_url)), cache_(cache) {}

AnswerCacheListener::~AnswerCacheListener() { stop(); }

void AnswerCacheListener::start() {
  if (!cache_.enabled() || thread_.joinable()) return;
  thread_ = std::thread([this] { thread_main(); });
}

void AnswerCacheListener::stop() {
  if (stopping_.exchange(true)) return;
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AnswerCacheListener::thread_main() {
  bool reported = false;
  while (!stopping_) {
    try {
      pqxx::connection conn(url_);
      Listener listener(conn, cache_);
      conn.get_notifs();  // LISTEN is in place from here: what was kept before may be stale
      cache_.invalidate();
      if (reported) spdlog::info("help search cache: listening for article changes again");
      reported = false;
      while (!stopping_) conn.await_notification(1, 0);  // a second at most: stop() is seen
    } catch (const std::exception& e) {
      if (stopping_) break;
      if (!reported) spdlog::warn("help search cache: connection lost ({}); answers expire by their time-to-live meanwhile", e.what());
      reported = true;
      std::unique_lock lock(stop_mutex_);
      stop_cv_.wait_for(lock, kReconnectPause, [this] { return stopping_.load(); });
    }
  }
}

}  // namespace parley::help
