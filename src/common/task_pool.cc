#include "common/task_pool.h"

#include <atomic>
#include <exception>

namespace gallery {

struct TaskPool::Loop {
  Loop(size_t count, const std::function<void(size_t)>& function) : n(count), fn(function) {}
  const size_t n;
  const std::function<void(size_t)>& fn;  // called only for i < n, all before the loop ends
  std::atomic<size_t> next{0};            // the next iteration to take
  std::mutex mu;
  std::condition_variable finished;
  size_t remaining;             // iterations not yet returned (under mu)
  std::exception_ptr failure;   // the first exception an iteration threw (under mu)
};

TaskPool::TaskPool(int threads) {
  threads_.reserve(static_cast<size_t>(threads > 0 ? threads : 0));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { Work(); });
  }
}

TaskPool::~TaskPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) {
    t.join();
  }
}

void TaskPool::RunIterations(Loop& loop) {
  size_t ran = 0;
  std::exception_ptr failure;
  for (size_t i = loop.next.fetch_add(1); i < loop.n; i = loop.next.fetch_add(1)) {
    // An exception must not leave a helper thread (terminate) nor the caller's frame while
    // helpers still use it: it is kept and rethrown by ParallelFor once every call returned.
    try {
      loop.fn(i);
    } catch (...) {
      if (!failure) {
        failure = std::current_exception();
      }
    }
    ++ran;
  }
  if (ran == 0) {
    return;
  }
  std::lock_guard lock(loop.mu);
  if (failure && !loop.failure) {
    loop.failure = failure;
  }
  loop.remaining -= ran;
  if (loop.remaining == 0) {
    loop.finished.notify_all();
  }
}

void TaskPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) {
    return;
  }
  auto loop = std::make_shared<Loop>(n, fn);
  loop->remaining = n;
  if (n > 1 && !threads_.empty()) {
    {
      std::lock_guard lock(mu_);
      loops_.push_back(loop);
    }
    if (n - 1 >= threads_.size()) {
      wake_.notify_all();
    } else {
      for (size_t i = 0; i + 1 < n; ++i) {
        wake_.notify_one();
      }
    }
  }
  RunIterations(*loop);
  std::unique_lock lock(loop->mu);
  loop->finished.wait(lock, [&] { return loop->remaining == 0; });
  if (loop->failure) {
    std::rethrow_exception(loop->failure);
  }
}

void TaskPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !loops_.empty(); });
    if (loops_.empty()) {
      return;  // stopping, nothing left to help with
    }
    std::shared_ptr<Loop> loop = loops_.front();
    if (loop->next.load() >= loop->n) {
      loops_.pop_front();  // every iteration is taken: the loop needs no more helpers
      continue;
    }
    lock.unlock();
    RunIterations(*loop);
    lock.lock();
  }
}

}  // namespace gallery
