#pragma once
// Sleeper: waiting behind an interface, so polling code can be tested without real sleeps.

#include <chrono>

namespace gallery {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Blocks the calling thread for `duration` (a fake records it and returns at once).
  virtual void Sleep(std::chrono::milliseconds duration) = 0;
};

// Sleeps for real (std::this_thread::sleep_for). Thread-safe.
class RealSleeper final : public Sleeper {
 public:
  void Sleep(std::chrono::milliseconds duration) override;
};

}  // namespace gallery
