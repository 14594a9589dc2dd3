#pragma once
// Rendered help-center pages kept for a moment, so that a popular article is served from
// memory rather than from PostgreSQL on every view. This process forgets them at once when an
// article is written through it; a write through another process (several share one database)
// shows after at most the time-to-live. Bounded: when full, everything is forgotten.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace parley::help {

struct CachedPage {
  int status = 200;  // 200, or 404 for a missing (or draft) article
  std::string html;
  std::string etag;  // "\"…\"" — a hash of the HTML, the same in every process
};

// A strong ETag for `body`: FNV-1a 64 of its bytes, quoted.
std::string etag_of(std::string_view body);

class PageCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PageCache(Clock::duration ttl = std::chrono::seconds(2), std::size_t max_pages = 2000)
      : ttl_(ttl), max_pages_(max_pages) {}

  std::shared_ptr<const CachedPage> find(const std::string& key, Clock::time_point now = Clock::now());
  std::shared_ptr<const CachedPage> put(const std::string& key, int status, std::string html,
                                        Clock::time_point now = Clock::now());
  void clear();

 private:
  struct Entry {
    std::shared_ptr<const CachedPage> page;
    Clock::time_point expires;
  };
  Clock::duration ttl_;
  std::size_t max_pages_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> pages_;
};

}  // namespace parley::help
