#include "common/bounded_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace gallery {
namespace {

std::string ValueOf(const BoundedCache<std::string>& cache, std::string_view key) {
  return cache.Visit(key, [](const std::string& v) { return v; });
}

TEST(BoundedCacheTest, VisitSeesTheStoredValueOrNothing) {
  BoundedCache<std::string> cache(100);
  EXPECT_EQ(ValueOf(cache, "k"), "");
  cache.Put("k", "one", 3);
  EXPECT_EQ(ValueOf(cache, "k"), "one");
  EXPECT_EQ(ValueOf(cache, "K"), "");  // keys are exact
  cache.Put("k", "three", 5);
  EXPECT_EQ(ValueOf(cache, "k"), "three");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.size(), 5u);
}

TEST(BoundedCacheTest, StaysWithinItsCapacity) {
  BoundedCache<std::string> cache(100);
  for (int i = 0; i < 50; ++i) {
    cache.Put("k" + std::to_string(i), "v", 30);
    EXPECT_LE(cache.size(), 100u);
  }
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(ValueOf(cache, "k49"), "v");  // the newest is always kept
}

TEST(BoundedCacheTest, ValueLargerThanTheCapacityIsNotStoredAndReplacesNothing) {
  BoundedCache<std::string> cache(100);
  cache.Put("k", "small", 10);
  cache.Put("k", "big", 101);
  EXPECT_EQ(ValueOf(cache, "k"), "small");
  BoundedCache<std::string> none(0);
  none.Put("k", "v", 1);
  EXPECT_EQ(none.entries(), 0u);
}

TEST(BoundedCacheTest, ConcurrentPutsAndVisitsStayConsistent) {
  BoundedCache<std::shared_ptr<const std::string>> cache(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "k" + std::to_string((i + t) % 16);
        cache.Put(key, std::make_shared<const std::string>(key), 8);
        auto seen = cache.Visit(key, [](const auto& v) { return v; });
        if (seen != nullptr) {
          EXPECT_EQ(*seen, key);  // a key only ever holds its own value
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_LE(cache.size(), 64u);
  EXPECT_EQ(cache.size(), cache.entries() * 8);
}

}  // namespace
}  // namespace gallery
