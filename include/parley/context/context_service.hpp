#pragma once
// Product context for agents (docs/CONTEXT.md): POSTs a verified visitor's {userId, email,
// visitorId} to the customer's endpoint, signed as Standard Webhooks sign, and keeps the
// cards it answers for a while. Lookups run on a few threads of their own — never on an I/O
// or database thread — so a slow endpoint costs a lookup thread, not the inbox.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "parley/context/cards.hpp"
#include "parley/context/visitor_of_conversation.hpp"
#include "parley/outbound/http_post.hpp"

namespace parley::context {

struct ContextSettings {
  std::string url;         // empty: not configured
  std::string secret_key;  // the key bytes (decode_webhook_secret)
  std::string user_agent = "Parley";
  std::chrono::milliseconds timeout = std::chrono::seconds(2);  // the whole request, connect included
  std::size_t max_answer = 64 * 1024;                           // a longer answer is aborted
  std::chrono::seconds cache_for = std::chrono::minutes(5);     // cards, per visitor
  std::chrono::seconds failure_cache_for = std::chrono::seconds(30);  // "unavailable", per visitor
  std::size_t cache_entries = 10000;
  unsigned threads = 4;         // lookups at once
  std::size_t queue_limit = 64;  // lookups waiting for a thread; beyond: unavailable at once
  CardLimits limits;
};

struct ContextAnswer {
  bool ok = false;
  nlohmann::json cards = nlohmann::json::array();  // when ok
  std::string reason;                              // when not: shown to agents and logged
};

class ContextService {
 public:
  using Done = std::function<void(const ContextAnswer&)>;

  explicit ContextService(ContextSettings settings);
  ~ContextService();
  ContextService(const ContextService&) = delete;
  ContextService& operator=(const ContextService&) = delete;

  bool configured() const { return !settings_.url.empty(); }

  // Calls `done` exactly once: at once from the cache (or when the queue is full), else from a
  // lookup thread when the endpoint answered or failed. `done` must be cheap: post, don't compute.
  // Concurrent lookups of one visitor share one request. Only for verified visitors.
  void lookup(const VisitorIdentity& visitor, Done done);

  // Aborts requests in flight, answers what waits with "unavailable", joins the threads.
  void stop();

  std::uint64_t requests_sent() const { return requests_.load(); }

 private:
  struct Cached {
    ContextAnswer answer;
    std::chrono::steady_clock::time_point expires;
  };
  void thread_main();
  ContextAnswer fetch(outbound::HttpHandle& http, const VisitorIdentity& visitor);
  void remember(std::int64_t visitor_id, const ContextAnswer& answer);  // mutex held

  ContextSettings settings_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<VisitorIdentity> queue_;
  std::unordered_map<std::int64_t, std::vector<Done>> waiting_;  // visitor → callers of its lookup
  std::unordered_map<std::int64_t, Cached> cache_;
  bool stopping_ = false;
  std::atomic<bool> abort_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::vector<std::thread> threads_;
};

}  // namespace parley::context
