#include "replication/token_bucket.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "storage/ingest.h"

namespace gallery::replication {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr double kRate = 1000;  // bytes per second: 1 byte per millisecond

Nanos TotalSlept(const FakeTime& time) {
  Nanos total{0};
  for (Nanos sleep : time.sleeps()) {
    total += sleep;
  }
  return total;
}

// Sets *cancel after `sleeps` sleeps of the fake time it forwards to.
class CancellingSleeper final : public Sleeper {
 public:
  CancellingSleeper(FakeTime& time, int sleeps, std::atomic<bool>& cancel)
      : time_(time), sleeps_left_(sleeps), cancel_(cancel) {}
  void SleepFor(Nanos duration) override {
    time_.SleepFor(duration);
    if (--sleeps_left_ == 0) {
      cancel_ = true;
    }
  }

 private:
  FakeTime& time_;
  int sleeps_left_;
  std::atomic<bool>& cancel_;
};

TEST(TokenBucket, AZeroRateIsUnlimitedAndNeverWaits) {
  FakeTime time;
  TokenBucket bucket(0, 0, time, time);
  EXPECT_TRUE(bucket.Acquire(1'000'000'000'000, nullptr).ok());
  EXPECT_TRUE(bucket.Acquire(1, nullptr).ok());
  EXPECT_TRUE(time.sleeps().empty());
  EXPECT_EQ(time.Now(), Nanos(0));
}

TEST(TokenBucket, StartsEmptySoTheFirstBytesTakeBytesOverRate) {
  FakeTime time;
  TokenBucket bucket(kRate, 500, time, time);
  ASSERT_TRUE(bucket.Acquire(250, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(250));
}

TEST(TokenBucket, WaitsSleepInSlicesOfAtMostFiftyMilliseconds) {
  FakeTime time;
  TokenBucket bucket(kRate, 0, time, time);
  ASSERT_TRUE(bucket.Acquire(1020, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(1020));
  const std::vector<Nanos> sleeps = time.sleeps();
  ASSERT_EQ(sleeps.size(), 21u);
  for (Nanos sleep : sleeps) {
    EXPECT_LE(sleep, kMaxSleepSlice);
  }
  EXPECT_EQ(sleeps.back(), milliseconds(20));
}

TEST(TokenBucket, ConsecutiveRequestsEachWaitForTheirBytes) {
  FakeTime time;
  TokenBucket bucket(kRate, 1000, time, time);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(bucket.Acquire(400, nullptr).ok());
    EXPECT_EQ(time.Now(), milliseconds(400 * i));
  }
}

TEST(TokenBucket, IdleTimeEarnsCreditUpToTheBurst) {
  FakeTime time;
  TokenBucket bucket(kRate, 500, time, time);
  time.Advance(milliseconds(200));  // earns 200 bytes
  ASSERT_TRUE(bucket.Acquire(300, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(300));

  time.Advance(seconds(10));  // would earn 10000 bytes; the burst keeps 500
  const Nanos idle_end = time.Now();
  ASSERT_TRUE(bucket.Acquire(500, nullptr).ok());
  EXPECT_EQ(time.Now(), idle_end);  // paid by the credit, no wait
  ASSERT_TRUE(bucket.Acquire(100, nullptr).ok());
  EXPECT_EQ(time.Now(), idle_end + milliseconds(100));
}

TEST(TokenBucket, ARequestLargerThanTheBurstGoesIntoDebt) {
  FakeTime time;
  TokenBucket bucket(kRate, 100, time, time);
  time.Advance(seconds(1));  // full: 100 bytes of credit
  ASSERT_TRUE(bucket.Acquire(5100, nullptr).ok());
  EXPECT_EQ(time.Now(), seconds(6));
  EXPECT_EQ(TotalSlept(time), seconds(5));
}

TEST(TokenBucket, ARequestCancelledBeforehandTakesNothing) {
  FakeTime time;
  TokenBucket bucket(kRate, 1000, time, time);
  std::atomic<bool> cancel{true};
  const Status status = bucket.Acquire(1000, &cancel);
  EXPECT_TRUE(storage::IsCancelled(status)) << status.ToString();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(time.sleeps().empty());
  // Nothing was taken: the next request waits for its own bytes only.
  ASSERT_TRUE(bucket.Acquire(1000, nullptr).ok());
  EXPECT_EQ(time.Now(), seconds(1));
}

TEST(TokenBucket, ACancelledWaitReturnsWithinOneSliceAndGivesItsBytesBack) {
  FakeTime time;
  std::atomic<bool> cancel{false};
  CancellingSleeper sleeper(time, 3, cancel);
  TokenBucket bucket(kRate, 1000, time, sleeper);
  const Status status = bucket.Acquire(1000, &cancel);
  EXPECT_TRUE(storage::IsCancelled(status)) << status.ToString();
  EXPECT_EQ(time.Now(), 3 * kMaxSleepSlice);
  // 150 bytes were earned during the wait and the 1000 came back: 150 on hand, so the next
  // 1000 take 850 ms, and the link was busy exactly 1000 ms for 1000 bytes.
  ASSERT_TRUE(bucket.Acquire(1000, nullptr).ok());
  EXPECT_EQ(time.Now(), seconds(1));
}

TEST(TokenBucket, SleepUntilReturnsAtTheDeadlineOrOnCancel) {
  FakeTime time;
  EXPECT_TRUE(SleepUntil(milliseconds(120), time, time, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(120));
  EXPECT_EQ(time.sleeps().size(), 3u);
  EXPECT_TRUE(SleepUntil(milliseconds(100), time, time, nullptr).ok());  // passed already
  EXPECT_EQ(time.Now(), milliseconds(120));
  std::atomic<bool> cancel{true};
  EXPECT_TRUE(storage::IsCancelled(SleepUntil(milliseconds(100), time, time, &cancel)));
}

// Real time: threads sharing a bucket get its rate together. Only a lower bound is checked
// tightly (a bucket never lets bytes through early; a busy machine only makes it later).
TEST(TokenBucket, ThreadsSharingABucketShareItsRate) {
  SteadyTime time;
  constexpr double kRealRate = 5e6;  // 5 MB/s
  constexpr int kThreads = 4;
  constexpr int kRequests = 20;
  constexpr uint64_t kBytes = 25'000;  // 4 * 20 * 25 kB = 2 MB: 0.4 s together, 0.1 s each
  TokenBucket bucket(kRealRate, 0, time, time);
  const Nanos start = time.Now();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRequests; ++i) {
        if (!bucket.Acquire(kBytes, nullptr).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const Nanos elapsed = time.Now() - start;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(elapsed, milliseconds(399));
  EXPECT_LT(elapsed, seconds(10));
}

TEST(TokenBucket, ARealWaitIsCancelledPromptly) {
  SteadyTime time;
  TokenBucket bucket(1000, 0, time, time);  // 1 MB would take 1000 s
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel = true;
  });
  const Nanos start = time.Now();
  const Status status = bucket.Acquire(1'000'000, &cancel);
  const Nanos elapsed = time.Now() - start;
  canceller.join();
  EXPECT_TRUE(storage::IsCancelled(status)) << status.ToString();
  EXPECT_GE(elapsed, milliseconds(100));
  EXPECT_LT(elapsed, seconds(10));
}

}  // namespace
}  // namespace gallery::replication
