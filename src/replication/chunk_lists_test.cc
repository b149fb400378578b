#include "replication/chunk_lists.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <thread>

#include "replication/held_call_test_util.h"

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
  HeldCall held;
  auto slow = [&] {
    held.Hold();
    ChunkLists::List list;
    list.chunks.resize(7);
    return Result<ChunkLists::List>(std::move(list));
  };
  std::vector<Result<ChunkLists::Shared>> got(3, Status::NotFound("not yet"));
  held.Run(
      3, [&](int i) { got[i] = lists.Get("m1\n", slow); },
      [&] { return lists.counts().shared == 2; });
  EXPECT_EQ(held.calls(), 1);
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

// Jobs waiting for another's make get its error, and nothing is kept for the next.
TEST(ChunkListsTest, CallsWhileAListIsMadeGetItsError) {
  ChunkLists lists;
  HeldCall held;
  auto failing = [&] {
    held.Hold();
    return Result<ChunkLists::List>(Status::DataLoss("the version's data is missing"));
  };
  std::vector<Result<ChunkLists::Shared>> got(3, Status::NotFound("not yet"));
  held.Run(
      3, [&](int i) { got[i] = lists.Get("m1\n", failing); },
      [&] { return lists.counts().shared == 2; });
  EXPECT_EQ(held.calls(), 1);
  for (const auto& g : got) {
    EXPECT_EQ(g.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(g.status().message(), "the version's data is missing");
  }
  std::atomic<int> calls{0};
  ASSERT_TRUE(lists.Get("m1\n", Counted(&calls, 1)).ok());
  EXPECT_EQ(calls, 1);
}

TEST(ChunkListsTest, AMakeThatThrowsIsAnInternalErrorAndIsNotKept) {
  ChunkLists lists;
  Result<ChunkLists::Shared> failed =
      lists.Get("m1\n", []() -> Result<ChunkLists::List> { throw std::bad_alloc(); });
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_NE(failed.status().message().find("cannot list the chunks to copy"), std::string::npos);
  // Whatever is thrown.
  Result<ChunkLists::Shared> odd =
      lists.Get("m2\n", []() -> Result<ChunkLists::List> { throw 42; });
  EXPECT_EQ(odd.status().code(), StatusCode::kInternal);
  EXPECT_NE(odd.status().message().find("an unknown exception"), std::string::npos);
  std::atomic<int> calls{0};
  ASSERT_TRUE(lists.Get("m1\n", Counted(&calls, 1)).ok());
  ASSERT_TRUE(lists.Get("m2\n", Counted(&calls, 1)).ok());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace gallery::replication
