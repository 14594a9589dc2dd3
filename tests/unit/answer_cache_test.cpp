// The help search's answer cache: keys, expiry, bounds, and never keeping a stale answer.
#include <gtest/gtest.h>

#include <thread>

#include "parley/help/answer_cache.hpp"

using namespace parley::help;
using namespace std::chrono_literals;

namespace {

std::vector<ArticleHit> hits_of(const std::string& slug, std::size_t snippet_bytes = 10) {
  return {ArticleHit{1, slug, "Title " + slug, "General", std::string(snippet_bytes, 'x'), 0.5}};
}

AnswerCache::Limits limits(std::size_t entries, std::size_t bytes = 1u << 20, AnswerCache::Clock::duration ttl = 10s) {
  AnswerCache::Limits l;
  l.ttl = ttl;
  l.max_entries = entries;
  l.max_bytes = bytes;
  return l;
}

}  // namespace

TEST(AnswerCacheKey, NormalisesSpacesAndAsciiCase) {
  EXPECT_EQ(AnswerCache::key("english", "public", 3, "Reset  PASSWORD"), AnswerCache::key("english", "public", 3, "reset password"));
  EXPECT_EQ(AnswerCache::key("english", "public", 3, " reset\tpassword "), AnswerCache::key("english", "public", 3, "reset password"));
  // Whatever else changes the answer is part of the key.
  EXPECT_NE(AnswerCache::key("english", "public", 3, "refund"), AnswerCache::key("english", "public", 5, "refund"));
  EXPECT_NE(AnswerCache::key("english", "public", 3, "refund"), AnswerCache::key("simple", "public", 3, "refund"));
  EXPECT_NE(AnswerCache::key("english", "public", 3, "refund"), AnswerCache::key("english", "agent", 3, "refund"));
  // Search syntax and non-ASCII letters are kept as typed.
  EXPECT_NE(AnswerCache::key("english", "public", 3, "\"api key\""), AnswerCache::key("english", "public", 3, "api key"));
  EXPECT_NE(AnswerCache::key("english", "public", 3, "sso -okta"), AnswerCache::key("english", "public", 3, "sso okta"));
  EXPECT_NE(AnswerCache::key("english", "public", 3, "Émile"), AnswerCache::key("english", "public", 3, "émile"));
}

TEST(AnswerCache, HitsMissesAndExpiry) {
  AnswerCache cache(limits(10));
  auto t0 = AnswerCache::Clock::now();
  EXPECT_EQ(cache.find("k", t0), nullptr);
  cache.put("k", hits_of("a"), cache.generation(), t0);
  auto kept = cache.find("k", t0 + 9s);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->at(0).slug, "a");
  EXPECT_EQ(cache.find("k", t0 + 10s), nullptr);  // expired
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.counters().hits.load(), 1u);
  EXPECT_EQ(cache.counters().misses.load(), 2u);
}

TEST(AnswerCache, InvalidateForgetsAndRefusesAnswersComputedBefore) {
  AnswerCache cache(limits(10));
  cache.put("k", hits_of("old"), cache.generation());
  auto before = cache.generation();  // a search starts…
  cache.invalidate();                // …an article is written meanwhile…
  EXPECT_EQ(cache.find("k"), nullptr);
  auto answer = cache.put("k", hits_of("stale"), before);  // …the search ends: answered, not kept
  EXPECT_EQ(answer->at(0).slug, "stale");
  EXPECT_EQ(cache.find("k"), nullptr);
  cache.put("k", hits_of("new"), cache.generation());
  ASSERT_NE(cache.find("k"), nullptr);
}

TEST(AnswerCache, BoundedByEntriesLeastRecentlyUsedFirst) {
  AnswerCache cache(limits(3));
  for (const char* k : {"a", "b", "c"}) cache.put(k, hits_of(k), cache.generation());
  ASSERT_NE(cache.find("a"), nullptr);  // a is now the most recently used
  cache.put("d", hits_of("d"), cache.generation());
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.counters().evictions.load(), 1u);
}

TEST(AnswerCache, BoundedByBytes) {
  AnswerCache cache(limits(1000, 64 * 1024));
  for (int i = 0; i < 200; ++i) cache.put("k" + std::to_string(i), hits_of("s", 1000), cache.generation());
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_LT(cache.entries(), 200u);
  EXPECT_NE(cache.find("k199"), nullptr);
}

TEST(AnswerCache, OffKeepsNothing) {
  AnswerCache cache(limits(10, 1u << 20, 0s));
  EXPECT_FALSE(cache.enabled());
  cache.put("k", hits_of("a"), cache.generation());
  EXPECT_EQ(cache.find("k"), nullptr);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(AnswerCache, ManyThreads) {
  AnswerCache cache(limits(50, 1u << 20));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string k = "k" + std::to_string((i * 7 + t) % 80);
        if (!cache.find(k)) cache.put(k, hits_of(k), cache.generation());
        if (i % 500 == 0) cache.invalidate();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.entries(), 50u);
}
