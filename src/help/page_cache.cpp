#include "parley/help/page_cache.hpp"

#include <cstdio>

namespace parley::help {

std::string etag_of(std::string_view body) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

std::shared_ptr<const CachedPage> PageCache::find(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = pages_.find(key);
  if (it == pages_.end()) return nullptr;
  if (it->second.expires <= now) {
    pages_.erase(it);
    return nullptr;
  }
  return it->second.page;
}

std::shared_ptr<const CachedPage> PageCache::put(const std::string& key, int status, std::string html,
                                                 Clock::time_point now) {
  auto page = std::make_shared<CachedPage>();
  page->status = status;
  page->etag = etag_of(html);
  page->html = std::move(html);
  std::lock_guard lock(mutex_);
  if (pages_.size() >= max_pages_) pages_.clear();
  pages_[key] = {page, now + ttl_};
  return page;
}

void PageCache::clear() {
  std::lock_guard lock(mutex_);
  pages_.clear();
}

}  // namespace parley::help
