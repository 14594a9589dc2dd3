#include "parley/help/answer_cache.hpp"

namespace parley::help {
namespace {

// What an entry holds besides its strings: the list node, the index slot, the vector, the
// shared_ptr's control block — roughly.
constexpr std::size_t kEntryOverhead = 256;

std::size_t size_of(const std::string& key, const std::vector<ArticleHit>& hits) {
  std::size_t n = kEntryOverhead + key.size();
  for (const auto& h : hits) n += sizeof h + h.slug.size() + h.title.size() + h.collection.size() + h.snippet_html.size();
  return n;
}

}  // namespace

std::string AnswerCache::key(std::string_view config, std::string_view view, int limit, std::string_view question) {
  std::string k;
  k.reserve(config.size() + view.size() + question.size() + 8);
  k.append(config).append(1, '\x1f').append(view).append(1, '\x1f').append(std::to_string(limit)).append(1, '\x1f');
  bool space = true;  // drops leading white space too
  for (char c : question) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && k.back() != '\x1f') k += ' ';
    space = false;
    k += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return k;
}

AnswerCache::Answer AnswerCache::find(const std::string& key, Clock::time_point now) {
  if (!enabled()) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    counters_.misses.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (it->second->expires <= now) {
    erase(it->second);
    counters_.misses.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  order_.splice(order_.begin(), order_, it->second);
  counters_.hits.fetch_add(1, std::memory_order_relaxed);
  return order_.front().answer;
}

AnswerCache::Answer AnswerCache::put(const std::string& key, std::vector<ArticleHit> hits, std::uint64_t generation,
                                     Clock::time_point now) {
  std::size_t size = size_of(key, hits);
  auto answer = std::make_shared<const std::vector<ArticleHit>>(std::move(hits));
  if (!enabled() || size > limits_.max_bytes / 16) return answer;
  std::lock_guard lock(mutex_);
  // Checked under the lock that invalidate() takes: no stale answer slips in after it cleared.
  if (generation != generation_.load()) return answer;
  if (auto it = index_.find(key); it != index_.end()) erase(it->second);
  while (!order_.empty() && (order_.size() >= limits_.max_entries || bytes_ + size > limits_.max_bytes)) {
    erase(std::prev(order_.end()));
    counters_.evictions.fetch_add(1, std::memory_order_relaxed);
  }
  order_.push_front(Entry{key, answer, now + limits_.ttl, size});
  index_.emplace(order_.front().key, order_.begin());
  bytes_ += size;
  return answer;
}

void AnswerCache::invalidate() {
  std::lock_guard lock(mutex_);
  generation_.fetch_add(1);
  index_.clear();
  order_.clear();
  bytes_ = 0;
  counters_.invalidations.fetch_add(1, std::memory_order_relaxed);
}

void AnswerCache::erase(Order::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  order_.erase(it);
}

std::size_t AnswerCache::entries() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

std::size_t AnswerCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace parley::help
