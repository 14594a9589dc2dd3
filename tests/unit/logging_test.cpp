// Logs reach stderr in order: info lines within the flush delay (batched), warnings at once.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "parley/core/logging.hpp"

namespace {

class StderrToFile {
 public:
  StderrToFile() {
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    file_ = std::tmpfile();
    dup2(fileno(file_), STDERR_FILENO);
  }
  ~StderrToFile() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    std::fclose(file_);
  }
  std::string text() const {
    std::string out;
    char buf[4096];
    for (off_t at = 0;;) {
      ssize_t n = pread(fileno(file_), buf, sizeof buf, at);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
  }

 private:
  int saved_ = -1;
  std::FILE* file_ = nullptr;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Logging, InfoLinesAreBatchedAndWarningsFlushAtOnce) {
  auto previous = spdlog::default_logger();
  {
    StderrToFile capture;
    parley::setup_logging("text");
    for (int i = 0; i < 1000; ++i) spdlog::info("http GET /widget.js 200 {}B", i);
    spdlog::warn("something to read now");
    // The warning flushed everything before it, in order, without waiting for the flusher.
    std::string text = capture.text();
    EXPECT_EQ(count(text, "http GET /widget.js 200 "), 1000u);
    EXPECT_NE(text.find("http GET /widget.js 200 999B"), std::string::npos);
    EXPECT_LT(text.find("200 0B"), text.find("200 999B"));
    EXPECT_LT(text.find("200 999B"), text.find("warning something to read now"));

    spdlog::info("a quiet server's line");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (capture.text().find("a quiet server's line") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_NE(capture.text().find("info a quiet server's line\n"), std::string::npos);

    parley::setup_logging("json");
    spdlog::info("quote \" and newline \n in json");
    spdlog::default_logger()->flush();
    EXPECT_NE(capture.text().find(R"("level":"info","msg":"quote \" and newline \n in json","time":")"), std::string::npos);
    spdlog::set_default_logger(previous);  // the buffered loggers write what they hold when dropped
  }
}

}  // namespace
