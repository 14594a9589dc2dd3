#include "parley/store/db_pool.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

namespace parley::store {
namespace {
// A connection attempt slower than this (a host that does not answer, rather than one that
// refuses at once) is not repeated for kReconnectPause: every request would wait on it.
constexpr auto kSlowConnect = std::chrono::milliseconds(100);
constexpr auto kReconnectPause = std::chrono::milliseconds(250);

// An idle connection outside a transaction hears nothing from the server unless the server
// is ending it (a restart or a terminated backend sends its FATAL and closes): readable now
// means it is gone. Pool connections do not LISTEN.
bool closed_while_idle(pqxx::connection& conn) {
  pollfd fd{conn.sock(), POLLIN, 0};
  return fd.fd < 0 || poll(&fd, 1, 0) != 0;
}
}  // namespace

DbConn& ConnectionSlot::connection() {
  if (conn_ && conn_->raw().is_open() && !closed_while_idle(conn_->raw())) return *conn_;
  if (conn_) spdlog::info("database connection closed while idle; replacing it");
  conn_.reset();
  auto started = std::chrono::steady_clock::now();
  if (started < retry_after_) throw ApiError::unavailable();
  try {
    conn_ = std::make_unique<DbConn>(url_);
    if (!session_setup_.empty()) pqxx::nontransaction(conn_->raw()).exec(session_setup_);
  } catch (const std::exception& e) {
    conn_.reset();
    auto now = std::chrono::steady_clock::now();
    if (now - started > kSlowConnect) retry_after_ = now + kReconnectPause;
    // One line when connecting starts to fail, not one per request while it does.
    if (!connect_failing_) spdlog::warn("database connection failed: {}", e.what());
    else spdlog::debug("database connection failed: {}", e.what());
    connect_failing_ = true;
    throw ApiError::unavailable();
  }
  if (connect_failing_) spdlog::info("database connection back");
  connect_failing_ = false;
  return *conn_;
}

void ConnectionSlot::note_retry() {
  spdlog::info("database connection lost before any statement completed; retrying on a new connection");
  conn_.reset();
}

ApiError ConnectionSlot::translate_current_exception() {
  try {
    throw;
  } catch (const ApiError& e) {
    return e;
  } catch (const pqxx::broken_connection& e) {
    spdlog::warn("database connection lost: {}", e.what());
    conn_.reset();
    return ApiError::unavailable();
  } catch (const pqxx::in_doubt_error& e) {
    conn_.reset();
    return ApiError::unavailable("The database connection was lost during commit; retry");
  } catch (const pqxx::unique_violation& e) {
    return ApiError::conflict("That already exists");
  } catch (const pqxx::sql_error& e) {
    spdlog::error("database error {}: {}", e.sqlstate(), e.what());
    if (conn_ && !conn_->raw().is_open()) conn_.reset();
    return ApiError::internal();
  } catch (const std::exception& e) {
    spdlog::error("unexpected error in database work: {}", e.what());
    return ApiError::internal();
  }
}

DbPool::DbPool(std::string url, unsigned threads, std::size_t queue_limit, std::string session_setup)
    : url_(std::move(url)), session_setup_(std::move(session_setup)), queue_limit_(queue_limit) {
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, i] { thread_main(i); });
}

DbPool::~DbPool() { stop(); }

void DbPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

std::size_t DbPool::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool DbPool::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) {
      rejected_.fetch_add(1);
      return false;
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void DbPool::thread_main(std::size_t) {
  ConnectionSlot slot(url_, session_setup_);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job(slot);
  }
}

}  // namespace parley::store
