#include "replication/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

namespace gallery::replication {
namespace {

constexpr double kNanosPerSecond = 1e9;

// Rounds up: a wait ends no earlier than the tokens are earned.
Nanos SecondsToNanos(double seconds) {
  return Nanos(static_cast<int64_t>(std::ceil(seconds * kNanosPerSecond)));
}

}  // namespace

Nanos SteadyTime::Now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

void SteadyTime::SleepFor(Nanos duration) { std::this_thread::sleep_for(duration); }

Nanos FakeTime::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void FakeTime::SleepFor(Nanos duration) {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.push_back(duration);
  now_ += duration;
}

void FakeTime::Advance(Nanos duration) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += duration;
}

std::vector<Nanos> FakeTime::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

Status TransferCancelledStatus() {
  return Status::Unavailable("transfer cancelled").WithReason("Cancelled");
}

Status SleepUntil(Nanos deadline, const MonotonicClock& clock, Sleeper& sleeper,
                  const std::atomic<bool>* cancel) {
  while (true) {
    if (cancel != nullptr && cancel->load()) {
      return TransferCancelledStatus();
    }
    const Nanos now = clock.Now();
    if (now >= deadline) {
      return Status::Ok();
    }
    sleeper.SleepFor(std::min(deadline - now, kMaxSleepSlice));
  }
}

TokenBucket::TokenBucket(double rate, double burst, const MonotonicClock& clock, Sleeper& sleeper)
    : rate_(std::max(rate, 0.0)),
      burst_(std::max(burst, 0.0)),
      clock_(clock),
      sleeper_(sleeper),
      refilled_at_(clock.Now()) {}

void TokenBucket::RefillLocked(Nanos now) {
  if (now <= refilled_at_) {
    return;
  }
  const double earned = static_cast<double>((now - refilled_at_).count()) * rate_ / kNanosPerSecond;
  tokens_ = std::min(burst_, tokens_ + earned);
  refilled_at_ = now;
}

Status TokenBucket::Acquire(uint64_t bytes, const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load()) {
    return TransferCancelledStatus();
  }
  if (rate_ <= 0 || bytes == 0) {
    return Status::Ok();
  }
  Nanos deadline;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Nanos now = clock_.Now();
    RefillLocked(now);
    // Granted at once, as debt if need be: the next caller queues behind this one's bytes,
    // which is what makes the rate shared and the order first come, first served.
    tokens_ -= static_cast<double>(bytes);
    if (tokens_ >= 0) {
      return Status::Ok();
    }
    deadline = now + SecondsToNanos(-tokens_ / rate_);
  }
  Status waited = SleepUntil(deadline, clock_, sleeper_, cancel);
  if (!waited.ok()) {
    // The bytes were never sent: later requests need not wait for them.
    std::lock_guard<std::mutex> lock(mu_);
    RefillLocked(clock_.Now());
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(bytes));
  }
  return waited;
}

}  // namespace gallery::replication
