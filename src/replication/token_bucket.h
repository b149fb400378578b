#pragma once
// TokenBucket: a rate limit in bytes per second, shared by every thread that uses it.
//
// A request for n bytes takes n tokens; tokens come back at `rate` per second while the bucket
// holds less than `burst`. A request larger than the tokens on hand (even larger than the
// burst) is granted at once as debt, and its caller waits until the debt is paid off: requests
// are served in the order they arrive, and threads sharing one bucket get the rate together,
// not each. The bucket starts empty, so the first n bytes through it take exactly n / rate.
//
// Example:
//   SteadyTime time;
//   TokenBucket bucket(100e6, 25e6, time, time);   // 100 MB/s, 1/4 s of credit
//   GALLERY_RETURN_IF_ERROR(bucket.Acquire(chunk.size(), &cancel));
//
// Time is injected (MonotonicClock, Sleeper): SteadyTime in galleryd, FakeTime in tests.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/status.h"

namespace gallery::replication {

using Nanos = std::chrono::nanoseconds;

// Monotonic time since an arbitrary origin: never goes back, unrelated to the wall clock.
// Thread-safe.
class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  virtual Nanos Now() const = 0;
};

// Blocks the calling thread for a while. Thread-safe.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void SleepFor(Nanos duration) = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for. Stateless.
class SteadyTime final : public MonotonicClock, public Sleeper {
 public:
  Nanos Now() const override;
  void SleepFor(Nanos duration) override;
};

// Time that moves only when a sleep passes or the test advances it: SleepFor returns at once
// and moves Now() forward by the duration. Records every sleep. Starts at 0. Thread-safe.
class FakeTime final : public MonotonicClock, public Sleeper {
 public:
  Nanos Now() const override;
  void SleepFor(Nanos duration) override;
  void Advance(Nanos duration);
  std::vector<Nanos> sleeps() const;

 private:
  mutable std::mutex mu_;
  Nanos now_{0};
  std::vector<Nanos> sleeps_;
};

// The longest single sleep of a wait, so that a cancellation is seen within about this long.
inline constexpr Nanos kMaxSleepSlice = std::chrono::milliseconds(50);

// The status of a wait cut short by its cancel flag: Unavailable (the work can be retried)
// with the reason "Cancelled", as storage::IsCancelled recognizes it.
Status TransferCancelledStatus();

// Sleeps until clock.Now() >= deadline, in slices of at most kMaxSleepSlice. Returns OK at the
// deadline; TransferCancelledStatus() as soon as `cancel` (may be null) is seen true, checked
// before every slice (so also when the deadline has passed already).
Status SleepUntil(Nanos deadline, const MonotonicClock& clock, Sleeper& sleeper,
                  const std::atomic<bool>* cancel);

class TokenBucket {
 public:
  // `rate` in bytes per second (<= 0: unlimited, Acquire never waits); `burst` the most tokens
  // idle time accumulates (>= 0). `clock` and `sleeper` must outlive the bucket.
  TokenBucket(double rate, double burst, const MonotonicClock& clock, Sleeper& sleeper);

  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;

  // Takes `bytes` tokens and waits until they are paid for. Returns OK then, or
  // TransferCancelledStatus() when `*cancel` (may be null) is true on entry or within
  // kMaxSleepSlice of it becoming true; a cancelled request gives its tokens back.
  // Thread-safe.
  Status Acquire(uint64_t bytes, const std::atomic<bool>* cancel);

  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  // Adds the tokens earned since the last refill, up to the burst. Requires mu_.
  void RefillLocked(Nanos now);

  const double rate_;
  const double burst_;
  const MonotonicClock& clock_;
  Sleeper& sleeper_;

  std::mutex mu_;
  double tokens_ = 0;  // negative: debt that callers are waiting out
  Nanos refilled_at_;
};

}  // namespace gallery::replication
