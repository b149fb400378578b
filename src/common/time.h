#pragma once
// Time points, the clock interface, and RFC 3339 text.
//
// Timestamps are milliseconds since the Unix epoch (UTC) in an int64: the form stored on disk
// and compared in rules. The Clock interface lets tests fix "now" (FakeClock).

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery {

using TimestampMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time now. Thread-safe.
  virtual TimestampMs Now() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  TimestampMs Now() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimestampMs start) : now_(start) {}
  TimestampMs Now() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }
  void Set(TimestampMs t) { now_ = t; }

 private:
  std::atomic<TimestampMs> now_;
};

// Parses RFC 3339 / ISO 8601 as ARM clients send it: "2030-12-31", "2030-12-31T12:59:59Z",
// "2030-12-31T12:59:59.123Z", "2030-12-31T12:59:59+02:00", "2030-12-31T12:59:59" (UTC).
// Returns InvalidArgument naming `field` and the text when it is not a valid date-time.
Result<TimestampMs> ParseTimestamp(std::string_view text, std::string_view field);

// Formats as "2030-12-31T12:59:59+00:00" (with ".123" when the milliseconds are not zero).
std::string FormatTimestamp(TimestampMs t);

}  // namespace gallery
