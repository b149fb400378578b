#include "replication/shared_reads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <stdexcept>
#include <thread>

#include "replication/held_call_test_util.h"

namespace gallery::replication {
namespace {

storage::ChunkDigest Digest(uint8_t n) {
  storage::ChunkDigest d{};
  d[0] = n;
  return d;
}

// A read of `size` bytes of value `fill`, counting its calls.
SharedReads::ReadFn Counted(std::atomic<int>* calls, size_t size, uint8_t fill) {
  return [=] {
    ++*calls;
    return Result<std::vector<uint8_t>>(std::vector<uint8_t>(size, fill));
  };
}

TEST(SharedReadsTest, AChunkReadLatelyIsServedFromMemory) {
  SharedReads reads(1 << 20);
  std::atomic<int> calls{0};
  auto first = reads.Read("east", Digest(1), Counted(&calls, 100, 7));
  auto second = reads.Read("east", Digest(1), Counted(&calls, 100, 9));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(**second, std::vector<uint8_t>(100, 7));
  EXPECT_EQ(first->get(), second->get());  // the same bytes, not a copy
  EXPECT_EQ(reads.counts().reads, 1u);
  EXPECT_EQ(reads.counts().shared, 1u);
  EXPECT_EQ(reads.kept_bytes(), 100u);
}

TEST(SharedReadsTest, TheSameChunkOfAnotherStoreIsReadThere) {
  SharedReads reads(1 << 20);
  std::atomic<int> calls{0};
  ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&calls, 10, 1)).ok());
  auto west = reads.Read("west", Digest(1), Counted(&calls, 10, 2));
  ASSERT_TRUE(west.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(**west, std::vector<uint8_t>(10, 2));
}

TEST(SharedReadsTest, AFailedReadIsNotKept) {
  SharedReads reads(1 << 20);
  std::atomic<int> calls{0};
  auto failed = reads.Read("east", Digest(1), [&] {
    ++calls;
    return Result<std::vector<uint8_t>>(Status::DataLoss("chunk 01 is damaged"));
  });
  EXPECT_EQ(failed.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(failed.status().message(), "chunk 01 is damaged");
  auto again = reads.Read("east", Digest(1), Counted(&calls, 10, 3));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(reads.kept_bytes(), 10u);
}

TEST(SharedReadsTest, TheOldestAreForgottenToStayWithinTheBound) {
  SharedReads reads(250);
  std::atomic<int> calls{0};
  for (uint8_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(reads.Read("east", Digest(i), Counted(&calls, 100, i)).ok());
  }
  EXPECT_EQ(reads.kept_bytes(), 200u);  // chunks 2 and 3
  ASSERT_TRUE(reads.Read("east", Digest(3), Counted(&calls, 100, 3)).ok());
  EXPECT_EQ(calls, 3);
  ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&calls, 100, 1)).ok());  // read again
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(reads.kept_bytes(), 200u);  // chunks 3 and 1
  // Larger than the whole bound: read, handed out, not kept, nothing else forgotten.
  auto big = reads.Read("east", Digest(9), Counted(&calls, 300, 9));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->size(), 300u);
  EXPECT_EQ(reads.kept_bytes(), 200u);
  ASSERT_TRUE(reads.Read("east", Digest(3), Counted(&calls, 100, 3)).ok());
  EXPECT_EQ(calls, 5);
}

TEST(SharedReadsTest, WithNothingKeptOnlyReadsInFlightAreShared) {
  SharedReads reads(0);
  std::atomic<int> calls{0};
  ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&calls, 10, 1)).ok());
  ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&calls, 10, 1)).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(reads.kept_bytes(), 0u);
}

// Jobs that ask while the chunk is being read wait for that read instead of reading too.
TEST(SharedReadsTest, CallsDuringAReadWaitForItAndGetItsBytes) {
  SharedReads reads(0);
  HeldCall held;
  auto slow = [&] {
    held.Hold();
    return Result<std::vector<uint8_t>>(std::vector<uint8_t>(64, 5));
  };
  std::vector<Result<SharedReads::Bytes>> got(4, Status::NotFound("not yet"));
  held.Run(
      4, [&](int i) { got[i] = reads.Read("east", Digest(1), slow); },
      [&] { return reads.counts().shared == 3; });
  EXPECT_EQ(held.calls(), 1);
  for (const auto& g : got) {
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ(**g, std::vector<uint8_t>(64, 5));
  }
  EXPECT_EQ(reads.kept_bytes(), 0u);  // shared while in flight, kept by nobody after
}

TEST(SharedReadsTest, AReadThatThrowsIsAnInternalErrorAndIsNotKept) {
  SharedReads reads(1 << 20);
  std::atomic<int> calls{0};
  auto thrown = reads.Read("east", Digest(1),
                           []() -> Result<std::vector<uint8_t>> { throw std::bad_alloc(); });
  EXPECT_EQ(thrown.status().code(), StatusCode::kInternal);
  EXPECT_NE(thrown.status().message().find("store 'east'"), std::string::npos)
      << thrown.status().message();
  // Whatever is thrown.
  auto odd = reads.Read("east", Digest(2), []() -> Result<std::vector<uint8_t>> { throw 42; });
  EXPECT_EQ(odd.status().code(), StatusCode::kInternal);
  EXPECT_NE(odd.status().message().find("an unknown exception"), std::string::npos);
  ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&calls, 10, 1)).ok());
  ASSERT_TRUE(reads.Read("east", Digest(2), Counted(&calls, 10, 1)).ok());
  EXPECT_EQ(calls, 2);
}

// A job waiting for another's read gets that read's error, and nothing is kept for the next.
TEST(SharedReadsTest, CallsDuringAFailingReadGetItsError) {
  SharedReads reads(1 << 20);
  HeldCall held;
  auto failing = [&] {
    held.Hold();
    return Result<std::vector<uint8_t>>(Status::Unavailable("east: Input/output error"));
  };
  std::vector<Result<SharedReads::Bytes>> got(2, Status::NotFound("not yet"));
  held.Run(
      2, [&](int i) { got[i] = reads.Read("east", Digest(1), failing); },
      [&] { return reads.counts().shared == 1; });
  EXPECT_EQ(held.calls(), 1);
  for (const auto& g : got) {
    EXPECT_EQ(g.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(g.status().message(), "east: Input/output error");
  }
  std::atomic<int> later{0};
  ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&later, 10, 1)).ok());
  EXPECT_EQ(later, 1);
}

TEST(SharedReadsTest, EmptyChunksAreNeverKept) {
  SharedReads reads(0);
  std::atomic<int> calls{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(reads.Read("east", Digest(1), Counted(&calls, 0, 0)).ok());
  }
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace gallery::replication
