#include "parley/core/logging.hpp"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace parley {
namespace {

// One JSON object per line; the message is escaped properly, which a pattern cannot do.
class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(millis / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char when[64];
    std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis % 1000));
    auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json line = {{"time", when},
                           {"level", std::string(level.data(), level.size())},
                           {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// stderr, written in batches: lines collect in a buffer that is written with one write(2)
// at most kFlushDelay after its first line, as soon as it holds kFlushBytes, and at once
// for a warning or an error (flush_on) — so under load (an access line per request) the
// cost is one write per ~64 KiB, not one per line, and a quiet server's lines still appear
// within kFlushDelay. The buffer is written when the process exits normally.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kFlushBytes = 64 * 1024;
  static constexpr auto kFlushDelay = std::chrono::milliseconds(50);

  BufferedStderrSink() {
    buffer_.reserve(kFlushBytes + 1024);
    // The flusher takes no signal: SIGTERM/SIGINT are for the thread that waits for them
    // (see app/serve.cpp), and this thread exists before they are blocked.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    flusher_ = std::thread([this] { flush_loop(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }

  ~BufferedStderrSink() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    flusher_.join();
    write_out();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    bool was_empty = buffer_.empty();
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kFlushBytes) {
      write_out();
    } else if (was_empty) {
      wake_.notify_one();
    }
  }

  void flush_() override { write_out(); }

 private:
  void flush_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || !buffer_.empty(); });
      if (stopping_) return;
      // Let a batch gather; whatever arrives in the meantime goes out with it.
      wake_.wait_for(lock, kFlushDelay, [this] { return stopping_; });
      write_out();
    }
  }

  // With mutex_ held.
  void write_out() {
    const char* p = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
      ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n > 0) {
        p += n;
        left -= static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        pollfd pfd{STDERR_FILENO, POLLOUT, 0};
        if (::poll(&pfd, 1, 1000) <= 0) break;  // a stuck reader: drop rather than stall
      } else {
        break;  // stderr closed or broken: nothing else to do with the lines
      }
    }
    buffer_.clear();
  }

  std::string buffer_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace

void setup_logging(const std::string& format) {
  auto sink = std::make_shared<BufferedStderrSink>();
  auto logger = std::make_shared<spdlog::logger>("parley", sink);
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace parley
