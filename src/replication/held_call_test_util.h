#pragma once
// For tests of calls that share one in flight (shared_reads.h, chunk_lists.h): the first call
// is held inside until the others wait for it.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gallery::replication {

class HeldCall {
 public:
  // Inside the call to hold: counts it and waits until Run releases it.
  void Hold() {
    ++calls_;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return released_; });
  }
  int calls() const { return calls_; }

  // Runs call(0) on a thread; once it holds, call(1) .. call(n - 1) on threads of their own;
  // once `waiting()` says those wait for the first, releases it; then joins them all.
  void Run(int n, const std::function<void(int)>& call, const std::function<bool()>& waiting) {
    std::vector<std::thread> threads;
    threads.emplace_back([&] { call(0); });
    while (calls_ == 0) {
      std::this_thread::yield();
    }
    for (int i = 1; i < n; ++i) {
      threads.emplace_back([&, i] { call(i); });
    }
    while (!waiting()) {
      std::this_thread::yield();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads) {
      t.join();
    }
  }

 private:
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

}  // namespace gallery::replication
