#include "metadata/resource_memo.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "metadata/test_resources.h"

namespace gallery::metadata {
namespace {

constexpr char kType[] = "microsoft.compute/galleries";

Resource Named(const std::string& description) {
  domain::Gallery g = fixtures::FullGallery();
  g.description = description;
  return g;
}

std::string DescriptionOf(const std::shared_ptr<const Resource>& r) {
  return r == nullptr ? "<miss>" : std::get<domain::Gallery>(*r).description;
}

TEST(ResourceMemoTest, ReturnsTheResourceOnlyForTheExactTypeAndBody) {
  ResourceMemo memo(1024);
  memo.Remember("k", kType, "body-1", Named("one"));
  EXPECT_EQ(DescriptionOf(memo.Find("k", kType, "body-1")), "one");
  EXPECT_EQ(memo.Find("k", kType, "body-2"), nullptr);
  EXPECT_EQ(memo.Find("k", "microsoft.compute/images", "body-1"), nullptr);
  EXPECT_EQ(memo.Find("other", kType, "body-1"), nullptr);
}

TEST(ResourceMemoTest, FindReturnsTheSameObjectRememberReturned) {
  ResourceMemo memo(1024);
  std::shared_ptr<const Resource> stored = memo.Remember("k", kType, "body-1", Named("one"));
  EXPECT_EQ(DescriptionOf(stored), "one");
  EXPECT_EQ(memo.Find("k", kType, "body-1").get(), stored.get());
  // Not remembered (too large): still returned to the caller, never found later.
  std::shared_ptr<const Resource> big = memo.Remember("big", kType, std::string(2000, 'x'),
                                                      Named("big"));
  EXPECT_EQ(DescriptionOf(big), "big");
  EXPECT_EQ(memo.Find("big", kType, std::string(2000, 'x')), nullptr);
}

TEST(ResourceMemoTest, RememberingAKeyAgainReplacesIt) {
  ResourceMemo memo(1024);
  memo.Remember("k", kType, "body-1", Named("one"));
  memo.Remember("k", kType, "body-22", Named("two"));
  EXPECT_EQ(memo.Find("k", kType, "body-1"), nullptr);
  EXPECT_EQ(DescriptionOf(memo.Find("k", kType, "body-22")), "two");
  EXPECT_EQ(memo.entries(), 1u);
  EXPECT_EQ(memo.size_bytes(), 7u);
}

TEST(ResourceMemoTest, StaysWithinItsCapacity) {
  ResourceMemo memo(100);
  for (int i = 0; i < 50; ++i) {
    memo.Remember("k" + std::to_string(i), kType, std::string(30, 'x'), Named("r"));
    EXPECT_LE(memo.size_bytes(), 100u);
  }
  EXPECT_EQ(memo.entries(), 3u);
  memo.Remember("big", kType, std::string(101, 'x'), Named("big"));
  EXPECT_EQ(memo.Find("big", kType, std::string(101, 'x')), nullptr);
}

TEST(ResourceMemoTest, ZeroCapacityRemembersNothing) {
  ResourceMemo memo(0);
  memo.Remember("k", kType, "b", Named("one"));
  EXPECT_EQ(memo.Find("k", kType, "b"), nullptr);
}

TEST(ResourceMemoTest, ConcurrentUseIsSafe) {
  ResourceMemo memo(4096);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&memo, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string key = "k" + std::to_string(i % 64);
        std::string body = "body-" + std::to_string((i + t) % 3);
        memo.Remember(key, kType, body, Named(body));
        std::shared_ptr<const Resource> hit = memo.Find(key, kType, body);
        if (hit != nullptr) {
          EXPECT_EQ(DescriptionOf(hit), body);  // a hit is always for the exact body
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_LE(memo.size_bytes(), 4096u);
}

}  // namespace
}  // namespace gallery::metadata
