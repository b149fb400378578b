#pragma once
// ProgressBar: the transfer progress of `gallery disk upload|download` on stderr: bytes done
// of total, rate and time left.
//
//   ProgressBar bar(err, /*tty=*/true, clock, total_bytes);
//   ... workers call bar.Add(piece_bytes) ...
//   bar.Finish();
//
// On a terminal the line is redrawn in place ("\r") at most every kTtyInterval; otherwise one
// full line is written every kLogInterval, so logs of a long transfer stay short.
// Thread-safe: Add may be called from several threads.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

#include "common/time.h"

namespace gallery::cli {

// "0 B", "512 B", "1.0 KiB", "4.0 MiB", "1.50 GiB" (binary units; one decimal below GiB,
// two from GiB on).
std::string FormatBytes(uint64_t bytes);

// Decimal megabytes per second with one decimal: "12.3 MB/s".
std::string FormatRate(double bytes_per_second);

// "m:ss" under an hour, "h:mm:ss" from an hour on; "--:--" when unknown (negative).
std::string FormatEta(double seconds);

// The bar and percentage of a progress line: "[#####               ]  25%". `fraction` is
// clamped to 0..1.
std::string FormatBar(double fraction);

// One progress line: "[#####               ]  25% 256.0 MiB/1.0 GiB 12.3 MB/s ETA 1:02".
// The bar and bytes show `done` of `total`; the rate is `moved` (the bytes actually
// transferred in this run, a part of `done`) over `elapsed`, and the ETA the rest at that rate.
// Rate and ETA read "--" / "--:--" before a millisecond has passed or a byte was moved.
// `total` 0 counts as complete.
std::string FormatProgressLine(uint64_t done, uint64_t total, uint64_t moved,
                               std::chrono::milliseconds elapsed);

class ProgressBar {
 public:
  static constexpr std::chrono::milliseconds kTtyInterval{200};
  static constexpr std::chrono::milliseconds kLogInterval{5000};

  // `out` and `clock` must outlive the bar. Starts the clock now.
  ProgressBar(std::ostream& out, bool tty, const Clock& clock, uint64_t total, std::string label);

  // Counts `bytes` more as done, `moved` of them transferred now (the rest were already there or
  // known zeros, and do not count in the rate), and redraws when due. moved <= bytes.
  void Add(uint64_t bytes, uint64_t moved);
  void Add(uint64_t bytes) { Add(bytes, bytes); }
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  uint64_t done() const;

 private:
  void DrawLocked(bool final);

  std::ostream& out_;
  const bool tty_;
  const Clock& clock_;
  const uint64_t total_;
  const std::string label_;
  const TimestampMs start_;
  mutable std::mutex mu_;
  uint64_t done_ = 0;
  uint64_t moved_ = 0;
  TimestampMs last_draw_ = 0;
  bool finished_ = false;
};

}  // namespace gallery::cli
