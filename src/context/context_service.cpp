#include "parley/context/context_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "parley/context/webhook_signature.hpp"

namespace parley::context {
namespace {

constexpr std::size_t kMaxWaitersPerVisitor = 100;

ContextAnswer unavailable(std::string reason) {
  ContextAnswer a;
  a.reason = std::move(reason);
  return a;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  auto tenths = (ms.count() + 50) / 100;
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + " s";
}

}  // namespace

ContextService::ContextService(ContextSettings settings) : settings_(std::move(settings)) {
  if (!configured()) return;
  outbound::init_curl();
  for (unsigned i = 0; i < std::max(1u, settings_.threads); ++i) threads_.emplace_back([this] { thread_main(); });
}

ContextService::~ContextService() { stop(); }

void ContextService::lookup(const VisitorIdentity& visitor, Done done) {
  // What can be answered at once is answered outside the lock.
  std::optional<ContextAnswer> at_once = [&]() -> std::optional<ContextAnswer> {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(visitor.visitor_id); it != cache_.end()) {
      if (it->second.expires > std::chrono::steady_clock::now()) return it->second.answer;
      cache_.erase(it);
    }
    if (stopping_) return unavailable("Parley is shutting down");
    if (auto it = waiting_.find(visitor.visitor_id); it != waiting_.end()) {
      if (it->second.size() >= kMaxWaitersPerVisitor) return unavailable("too many lookups at once");
      it->second.push_back(std::move(done));  // the request in flight answers this one too
      return std::nullopt;
    }
    if (queue_.size() >= settings_.queue_limit) return unavailable("too many lookups at once");
    waiting_[visitor.visitor_id].push_back(std::move(done));
    queue_.push_back(visitor);
    return std::nullopt;
  }();
  if (at_once) return done(*at_once);
  cv_.notify_one();
}

void ContextService::stop() {
  std::unordered_map<std::int64_t, std::vector<Done>> waiting;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    abort_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  {
    std::lock_guard lock(mutex_);
    waiting.swap(waiting_);
    queue_.clear();
  }
  for (auto& [visitor, callers] : waiting) {
    for (auto& done : callers) done(unavailable("Parley is shutting down"));
  }
}

void ContextService::thread_main() {
  outbound::HttpHandle http;  // this thread's own handle: connections to the endpoint are reused
  for (;;) {
    VisitorIdentity visitor;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      visitor = std::move(queue_.front());
      queue_.pop_front();
    }
    ContextAnswer answer = fetch(http, visitor);
    std::vector<Done> callers;
    {
      std::lock_guard lock(mutex_);
      if (auto it = waiting_.find(visitor.visitor_id); it != waiting_.end()) {
        callers = std::move(it->second);
        waiting_.erase(it);
      }
      if (!abort_) remember(visitor.visitor_id, answer);
    }
    for (auto& done : callers) done(answer);
  }
}

ContextAnswer ContextService::fetch(outbound::HttpHandle& http, const VisitorIdentity& visitor) {
  nlohmann::json payload = {{"userId", visitor.user_id}, {"email", visitor.email}, {"visitorId", visitor.visitor_id}};
  if (visitor.email.empty()) payload["email"] = nullptr;
  outbound::PostRequest request;
  request.url = settings_.url;
  request.body = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string id = new_message_id();
  auto timestamp =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  request.headers = {"Content-Type: application/json", "Accept: application/json", "webhook-id: " + id,
                     "webhook-timestamp: " + std::to_string(timestamp),
                     "webhook-signature: " + webhook_signature(settings_.secret_key, id, timestamp, request.body)};
  request.user_agent = settings_.user_agent;
  request.connect_timeout = settings_.timeout;
  request.total_timeout = settings_.timeout;
  request.max_response = settings_.max_answer;
  request.oversize = outbound::OversizeAnswer::abort;

  ++requests_;
  outbound::HttpResult result = http.post(request, &abort_);
  std::string reason;
  if (result.status == 0) {
    if (result.oversize) reason = "the answer is larger than " + std::to_string(settings_.max_answer / 1024) + " KiB";
    else if (result.timed_out) reason = "the endpoint did not answer within " + seconds_text(settings_.timeout);
    else if (result.aborted) reason = "Parley is shutting down";
    else reason = "the endpoint could not be reached: " + result.transport_error;
  } else if (result.status < 200 || result.status > 299) {
    reason = "the endpoint answered HTTP " + std::to_string(result.status);
  } else {
    ParsedCards parsed = parse_cards(result.body, settings_.limits);
    if (parsed.ok) {
      if (parsed.dropped) spdlog::info("product context for visitor {}: {} card(s), field(s) or link(s) left out (limits, non-http links)", visitor.visitor_id, parsed.dropped);
      ContextAnswer ok;
      ok.ok = true;
      ok.cards = std::move(parsed.cards);
      return ok;
    }
    reason = "the answer is not valid: " + parsed.reason;
  }
  // The URL may carry a token in its query: it is never logged, nor is the secret.
  spdlog::warn("product context for visitor {} unavailable: {}", visitor.visitor_id, reason);
  return unavailable(reason);
}

void ContextService::remember(std::int64_t visitor_id, const ContextAnswer& answer) {
  auto now = std::chrono::steady_clock::now();
  if (cache_.size() >= settings_.cache_entries) {
    for (auto it = cache_.begin(); it != cache_.end();) it = it->second.expires <= now ? cache_.erase(it) : std::next(it);
  }
  if (cache_.size() >= settings_.cache_entries) {
    // Still full of live entries: the one that would expire first goes.
    auto oldest = std::min_element(cache_.begin(), cache_.end(),
                                   [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    cache_.erase(oldest);
  }
  cache_[visitor_id] = {answer, now + (answer.ok ? settings_.cache_for : settings_.failure_cache_for)};
}

}  // namespace parley::context
