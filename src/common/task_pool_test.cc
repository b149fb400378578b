#include "common/task_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gallery {
namespace {

TEST(TaskPoolTest, EveryIterationRunsOnce) {
  TaskPool pool(3);
  std::vector<std::atomic<int>> runs(1000);
  pool.ParallelFor(runs.size(), [&](size_t i) { runs[i].fetch_add(1); });
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].load(), 1) << i;
  }
}

TEST(TaskPoolTest, WithoutThreadsTheCallerRunsTheLoop) {
  TaskPool pool(0);
  const std::thread::id caller = std::this_thread::get_id();
  int ran = 0;
  pool.ParallelFor(5, [&](size_t) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ++ran;
  });
  EXPECT_EQ(ran, 5);
  pool.ParallelFor(0, [&](size_t) { ++ran; });
  EXPECT_EQ(ran, 5);
}

// Four iterations that each wait until all four have started can only finish if they run at
// the same time: the caller and three helpers.
TEST(TaskPoolTest, IterationsRunConcurrently) {
  TaskPool pool(3);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool all_met = true;
  pool.ParallelFor(4, [&](size_t) {
    std::unique_lock lock(mu);
    ++started;
    cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == 4; })) {
      all_met = false;
    }
  });
  EXPECT_TRUE(all_met);
  EXPECT_EQ(started, 4);
}

TEST(TaskPoolTest, ReturnsOnlyWhenEveryIterationReturned) {
  TaskPool pool(2);
  std::atomic<int> finished{0};
  pool.ParallelFor(6, [&](size_t i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * (i % 3)));
    finished.fetch_add(1);
  });
  EXPECT_EQ(finished.load(), 6);
}

// An iteration that throws, on a helper or on the caller, neither ends the process nor leaves
// the loop early: the other iterations run, then ParallelFor rethrows.
TEST(TaskPoolTest, AnExceptionIsRethrownAfterEveryIterationReturned) {
  TaskPool pool(3);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.ParallelFor(64,
                                [&](size_t i) {
                                  ran.fetch_add(1);
                                  if (i % 8 == 3) {
                                    throw std::runtime_error("iteration " + std::to_string(i));
                                  }
                                }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 64);
  // The pool is still usable.
  std::atomic<int> again{0};
  pool.ParallelFor(10, [&](size_t) { again.fetch_add(1); });
  EXPECT_EQ(again.load(), 10);
}

// Loops of several callers share the helpers; each caller sees exactly its own iterations.
TEST(TaskPoolTest, ManyCallersShareThePool) {
  TaskPool pool(2);
  constexpr int kCallers = 6;
  constexpr size_t kIterations = 300;
  std::vector<std::vector<std::atomic<int>>> runs(kCallers);
  for (auto& r : runs) {
    r = std::vector<std::atomic<int>>(kIterations);
  }
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 10; ++round) {
        pool.ParallelFor(kIterations, [&](size_t i) { runs[c][i].fetch_add(1); });
      }
    });
  }
  for (std::thread& t : callers) {
    t.join();
  }
  for (int c = 0; c < kCallers; ++c) {
    for (size_t i = 0; i < kIterations; ++i) {
      ASSERT_EQ(runs[c][i].load(), 10) << c << " " << i;
    }
  }
}

}  // namespace
}  // namespace gallery
