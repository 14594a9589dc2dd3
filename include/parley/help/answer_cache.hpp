#pragma once
// The answers of recent help-center searches, kept for a short while in this process, so that
// the questions many visitors ask ("reset password", the widget's first letters typed) are
// answered from memory rather than by PostgreSQL (about 0.7 ms of CPU each on average, docs/BENCHMARKS.md).
//
// Correctness: an article written through this process calls invalidate() after its commit:
// every answer is forgotten at once, and an answer computed from a snapshot taken before the
// write is never stored (the generation read before the search no longer matches). A write
// through another process sharing the database (or `parley articles import`) is announced by
// NOTIFY and forgets them too (answer_cache_listener.hpp); should that be missed, an answer is
// never kept longer than `ttl` (PARLEY_HELP_SEARCH_CACHE seconds, default 10).
// Bounded by entries and by bytes; the least recently used answers go first. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parley/help/answer_source.hpp"

namespace parley::help {

constexpr int kDefaultAnswerCacheSeconds = 10;

class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Answer = std::shared_ptr<const std::vector<ArticleHit>>;
  struct Limits {
    Clock::duration ttl = std::chrono::seconds(kDefaultAnswerCacheSeconds);  // 0: the cache is off
    std::size_t max_entries = 20000;
    std::size_t max_bytes = 32u << 20;  // keys and answers, counted roughly (snippets dominate)
  };
  struct Counters {
    std::atomic<std::uint64_t> hits{0}, misses{0}, invalidations{0}, evictions{0};
  };

  explicit AnswerCache(Limits limits) : limits_(limits) {}
  AnswerCache() : AnswerCache(Limits{}) {}

  bool enabled() const { return limits_.ttl > Clock::duration::zero(); }

  // Everything the answer depends on: the text search configuration, who asks ("public": only
  // published articles; there is no other view today), the limit, and the question normalised
  // — runs of spaces and tabs as one space, ASCII letters in lower case (websearch_to_tsquery,
  // pg_trgm and ts_headline all ignore case, so both spellings get the same answer).
  static std::string key(std::string_view config, std::string_view view, int limit, std::string_view question);

  // The generation to hand to put(): read it BEFORE running the search.
  std::uint64_t generation() const { return generation_.load(); }
  // The kept answer (counted as a hit), or nullptr (a miss). Always nullptr when off.
  Answer find(const std::string& key, Clock::time_point now = Clock::now());
  // Keeps `hits` unless an invalidate() came since `generation` was read, or it is too big.
  Answer put(const std::string& key, std::vector<ArticleHit> hits, std::uint64_t generation,
             Clock::time_point now = Clock::now());
  // An article changed: forget every answer, and refuse those computed before.
  void invalidate();

  std::size_t entries() const;
  std::size_t bytes() const;
  const Counters& counters() const { return counters_; }

 private:
  struct Entry {
    std::string key;
    Answer answer;
    Clock::time_point expires;
    std::size_t bytes;
  };
  using Order = std::list<Entry>;  // most recently used first
  void erase(Order::iterator it);

  Limits limits_;
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<std::string_view, Order::iterator> index_;  // views of the entries' keys
  std::size_t bytes_ = 0;
  Counters counters_;
};

}  // namespace parley::help
