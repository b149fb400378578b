#include "cli/progress_bar.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gallery::cli {

namespace {

constexpr int kBarWidth = 20;
constexpr double kKiB = 1024.0;
constexpr double kMegabyte = 1e6;
constexpr int64_t kSecondsPerMinute = 60;
constexpr int64_t kSecondsPerHour = 3600;

std::string Printf(const char* format, double value, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value, unit);
  return buf;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes) / kKiB;
  size_t unit = 0;
  while (value >= kKiB && unit + 1 < std::size(kUnits)) {
    value /= kKiB;
    ++unit;
  }
  // GiB and TiB get two decimals: a 2 GiB transfer moves 10 MiB per 0.01.
  return Printf(unit >= 2 ? "%.2f %s" : "%.1f %s", value, kUnits[unit]);
}

std::string FormatRate(double bytes_per_second) {
  return Printf("%.1f %s", bytes_per_second / kMegabyte, "MB/s");
}

std::string FormatEta(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) {
    return "--:--";
  }
  auto total = static_cast<int64_t>(std::ceil(seconds));
  int64_t hours = total / kSecondsPerHour;
  int64_t minutes = (total % kSecondsPerHour) / kSecondsPerMinute;
  int64_t secs = total % kSecondsPerMinute;
  char buf[32];
  if (hours > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(secs));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(minutes),
                  static_cast<long long>(secs));
  }
  return buf;
}

std::string FormatBar(double fraction) {
  fraction = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  int filled = static_cast<int>(fraction * kBarWidth);
  std::string line = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, ' ') + "]";
  char percent[8];
  std::snprintf(percent, sizeof percent, " %3d%%", static_cast<int>(fraction * 100));
  return line + percent;
}

std::string FormatProgressLine(uint64_t done, uint64_t total, uint64_t moved,
                               std::chrono::milliseconds elapsed) {
  double fraction = total == 0 ? 1.0 : static_cast<double>(done) / total;
  std::string line = FormatBar(fraction);
  line += " " + FormatBytes(done) + "/" + FormatBytes(total);
  double seconds = elapsed.count() / 1000.0;
  if (seconds <= 0 || moved == 0) {
    return line + " -- MB/s ETA --:--";
  }
  double rate = moved / seconds;
  double remaining = total > done ? static_cast<double>(total - done) : 0.0;
  return line + " " + FormatRate(rate) + " ETA " + FormatEta(remaining / rate);
}

ProgressBar::ProgressBar(std::ostream& out, bool tty, const Clock& clock, uint64_t total,
                         std::string label)
    : out_(out),
      tty_(tty),
      clock_(clock),
      total_(total),
      label_(std::move(label)),
      start_(clock.Now()),
      last_draw_(start_) {}

uint64_t ProgressBar::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

void ProgressBar::Add(uint64_t bytes, uint64_t moved) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ += bytes;
  moved_ += moved;
  TimestampMs now = clock_.Now();
  auto interval = tty_ ? kTtyInterval : kLogInterval;
  if (now - last_draw_ >= interval.count()) {
    DrawLocked(/*final=*/false);
  }
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) {
    return;
  }
  finished_ = true;
  DrawLocked(/*final=*/true);
}

void ProgressBar::DrawLocked(bool final) {
  TimestampMs now = clock_.Now();
  last_draw_ = now;
  std::string line =
      label_ + " " +
      FormatProgressLine(done_, total_, moved_, std::chrono::milliseconds(now - start_));
  if (tty_) {
    // Carriage return and erase the line: the bar is redrawn in place.
    out_ << "\r\033[K" << line;
    if (final) {
      out_ << "\n";
    }
  } else {
    out_ << line << "\n";
  }
  out_ << std::flush;
}

}  // namespace gallery::cli
