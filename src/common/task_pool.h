#pragma once
// TaskPool: a fixed set of threads that run the iterations of parallel loops, for work that
// waits on the disk (direct writes) as much as it computes (hashing): more writes in flight
// than there are cores, without a thread per request.
//
//   TaskPool pool(8);
//   pool.ParallelFor(chunks.size(), [&](size_t i) { statuses[i] = Store(chunks[i]); });
//
// The calling thread takes iterations too, so a loop always progresses, even when every pool
// thread is busy with other callers' loops. Thread-safe: loops of many callers share the
// threads, first come first served.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gallery {

class TaskPool {
 public:
  // `threads` >= 0 helpers; with 0, loops run on their callers alone.
  explicit TaskPool(int threads);
  // Waits for the helpers to finish the iterations they took; loops still running keep their
  // callers' threads (destroy the pool only when no loop runs).
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Runs fn(i) for every i in [0, n), in no particular order and concurrently, and returns once
  // every call has returned. If calls threw, every other call still runs, then the first
  // exception is rethrown here.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  struct Loop;
  void Work();
  // Runs iterations of `loop` until none is left to take.
  static void RunIterations(Loop& loop);

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Loop>> loops_;  // loops with iterations left to take
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gallery
