#include "replication/chunk_lists.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>

namespace gallery::replication {
namespace {

// A make of a list of `n` chunks, counting its calls.
ChunkLists::MakeFn Counted(std::atomic<int>* calls, uint8_t n) {
  return [=] {
    ++*calls;
    ChunkLists::List list;
    for (uint8_t i = 0; i < n; ++i) {
      storage::ChunkDigest d{};
      d[0] = i;
      list.chunks.emplace_back(d, 4096);
    }
    list.source_stores = {"eastus"};
    return Result<ChunkLists::List>(std::move(list));
  };
}

TEST(ChunkListsTest, AListAJobHoldsIsGivenToTheNextAndGoesWithItsLastJob) {
  ChunkLists lists;
  std::atomic<int> calls{0};
  Result<ChunkLists::Shared> first = lists.Get("m1\n", Counted(&calls, 3));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->chunks.size(), 3u);
  EXPECT_EQ((*first)->source_stores, std::vector<std::string>{"eastus"});
  {
    Result<ChunkLists::Shared> second = lists.Get("m1\n", Counted(&calls, 5));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->get(), first->get());  // the same list, not a copy
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(lists.counts().shared, 1u);
    // Another version's manifests: another list.
    Result<ChunkLists::Shared> other = lists.Get("m2\n", Counted(&calls, 5));
    ASSERT_TRUE(other.ok());
    EXPECT_EQ((*other)->chunks.size(), 5u);
    EXPECT_EQ(calls, 2);
  }
  EXPECT_EQ(lists.held(), 1u);  // m2's job let go
  *first = nullptr;
  EXPECT_EQ(lists.held(), 0u);
  // Nothing is kept between runs: the next job makes the list again.
  Result<ChunkLists::Shared> again = lists.Get("m1\n", Counted(&calls, 4));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->chunks.size(), 4u);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(lists.counts().made, 3u);
}

// Jobs that ask while the list is being made wait for it instead of making it too.
TEST(ChunkListsTest, CallsWhileAListIsMadeWaitForIt) {
  ChunkLists lists;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> calls{0};
  auto slow = [&] {
    ++calls;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    ChunkLists::List list;
    list.chunks.resize(7);
    return Result<ChunkLists::List>(std::move(list));
  };
  std::vector<Result<ChunkLists::Shared>> got(3, Status::NotFound("not yet"));
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = lists.Get("m1\n", slow); });
  while (calls == 0) {
    std::this_thread::yield();
  }
  for (int i = 1; i < 3; ++i) {
    threads.emplace_back([&, i] { got[i] = lists.Get("m1\n", slow); });
  }
  while (lists.counts().shared < 2) {
    std::this_thread::yield();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(calls, 1);
  for (const auto& g : got) {
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ(g->get(), got[0]->get());
    EXPECT_EQ((*g)->chunks.size(), 7u);
  }
}

TEST(ChunkListsTest, AFailedMakeIsReturnedAndNotKept) {
  ChunkLists lists;
  std::atomic<int> calls{0};
  Result<ChunkLists::Shared> failed = lists.Get("m1\n", [&] {
    ++calls;
    return Result<ChunkLists::List>(Status::DataLoss("the version's data is missing"));
  });
  EXPECT_EQ(failed.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(failed.status().message(), "the version's data is missing");
  Result<ChunkLists::Shared> next = lists.Get("m1\n", Counted(&calls, 2));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(calls, 2);
}

TEST(ChunkListsTest, AMakeThatThrowsIsAnInternalErrorAndIsNotKept) {
  ChunkLists lists;
  Result<ChunkLists::Shared> failed =
      lists.Get("m1\n", []() -> Result<ChunkLists::List> { throw std::bad_alloc(); });
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_NE(failed.status().message().find("cannot list the chunks to copy"), std::string::npos);
  std::atomic<int> calls{0};
  ASSERT_TRUE(lists.Get("m1\n", Counted(&calls, 1)).ok());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace gallery::replication
