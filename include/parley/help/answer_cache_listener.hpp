#pragma once
// Keeps this process's AnswerCache honest about writes made by other processes sharing the
// database (and `parley articles import`): every transaction that writes articles sends
// NOTIFY kArticlesChannel (article_store.cpp), and this listener — its own connection and
// thread, like the business hours' (hours/business_hours.hpp) — forgets every kept answer when
// one arrives. After a lost connection it forgets them again once reconnected (what changed
// meanwhile went unheard); while it is down, or if it is cut without noticing, the cache's
// time-to-live still bounds how long an answer is kept.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "parley/help/answer_cache.hpp"

namespace parley::help {

inline constexpr const char* kArticlesChannel = "parley_articles";

class AnswerCacheListener {
 public:
  AnswerCacheListener(std::string database_url, AnswerCache& cache);
  ~AnswerCacheListener();
  AnswerCacheListener(const AnswerCacheListener&) = delete;
  AnswerCacheListener& operator=(const AnswerCacheListener&) = delete;

  void start();  // nothing to do when the cache is off
  void stop();

 private:
  void thread_main();

  std::string url_;
  AnswerCache& cache_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::thread thread_;
};

}  // namespace parley::help
