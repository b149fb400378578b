#include "cli/progress_bar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace gallery::cli {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(FormatBytesTest, BinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(4 * kMiB), "4.0 MiB");
  EXPECT_EQ(FormatBytes(20 * kMiB + 512), "20.0 MiB");
  EXPECT_EQ(FormatBytes(kGiB + kGiB / 2), "1.50 GiB");
  EXPECT_EQ(FormatBytes(2048 * kGiB), "2.00 TiB");
}

TEST(FormatRateTest, DecimalMegabytesPerSecond) {
  EXPECT_EQ(FormatRate(0), "0.0 MB/s");
  EXPECT_EQ(FormatRate(12'345'678), "12.3 MB/s");
  EXPECT_EQ(FormatRate(1.5e9), "1500.0 MB/s");
}

TEST(FormatEtaTest, MinutesSecondsAndHours) {
  EXPECT_EQ(FormatEta(0), "0:00");
  EXPECT_EQ(FormatEta(4.2), "0:05");  // rounded up: never promises too early
  EXPECT_EQ(FormatEta(62), "1:02");
  EXPECT_EQ(FormatEta(3600 + 2 * 60 + 3), "1:02:03");
  EXPECT_EQ(FormatEta(-1), "--:--");
}

TEST(FormatBarTest, TwentyCellsAndAPercentageClampedToWhole) {
  EXPECT_EQ(FormatBar(0.0), "[                    ]   0%");
  EXPECT_EQ(FormatBar(0.4), "[########            ]  40%");
  EXPECT_EQ(FormatBar(1.0), "[####################] 100%");
  EXPECT_EQ(FormatBar(1.7), "[####################] 100%");
  EXPECT_EQ(FormatBar(-0.5), "[                    ]   0%");
  EXPECT_EQ(FormatBar(std::nan("")), "[                    ]   0%");
}

TEST(FormatProgressLineTest, BarPercentBytesRateAndEta) {
  // 256 MiB of 1 GiB in 10 s: 26.8 MB/s, 768 MiB left = 30 s.
  EXPECT_EQ(FormatProgressLine(256 * kMiB, kGiB, 256 * kMiB, milliseconds(10'000)),
            "[#####               ]  25% 256.0 MiB/1.00 GiB 26.8 MB/s ETA 0:30");
  EXPECT_EQ(FormatProgressLine(kGiB, kGiB, kGiB, milliseconds(20'000)),
            "[####################] 100% 1.00 GiB/1.00 GiB 53.7 MB/s ETA 0:00");
}

TEST(FormatProgressLineTest, NoRateBeforeTimeOrBytes) {
  EXPECT_EQ(FormatProgressLine(0, 4 * kMiB, 0, milliseconds(5000)),
            "[                    ]   0% 0 B/4.0 MiB -- MB/s ETA --:--");
  EXPECT_EQ(FormatProgressLine(kMiB, 4 * kMiB, kMiB, milliseconds(0)),
            "[#####               ]  25% 1.0 MiB/4.0 MiB -- MB/s ETA --:--");
  EXPECT_THAT(FormatProgressLine(0, 0, 0, milliseconds(0)), HasSubstr("100%"));
}

TEST(FormatProgressLineTest, TheRateCountsOnlyTheBytesMovedInThisRun) {
  // A resume: 768 MiB were written before, 128 MiB sent now in 10 s: 13.4 MB/s, and the
  // 128 MiB left take 10 s more. The bar shows the whole progress.
  EXPECT_EQ(FormatProgressLine(896 * kMiB, kGiB, 128 * kMiB, milliseconds(10'000)),
            "[#################   ]  87% 896.0 MiB/1.00 GiB 13.4 MB/s ETA 0:10");
  // Only zeros skipped so far: nothing moved, no rate yet.
  EXPECT_EQ(FormatProgressLine(kMiB, 4 * kMiB, 0, milliseconds(1000)),
            "[#####               ]  25% 1.0 MiB/4.0 MiB -- MB/s ETA --:--");
}

TEST(ProgressBarTest, BytesAlreadyThereOrSkippedAreProgressButNotRate) {
  std::ostringstream out;
  FakeClock clock(0);
  ProgressBar bar(out, /*tty=*/false, clock, 4 * kMiB, "Uploading");
  bar.Add(2 * kMiB, /*moved=*/0);  // written by the interrupted run
  clock.Advance(1000);
  bar.Add(kMiB, /*moved=*/kMiB / 2);  // half of it zeros, not sent
  bar.Finish();
  // 0.5 MiB in 1 s: 0.5 MB/s (not 3 MiB/s), 1 MiB left: 2 s.
  EXPECT_EQ(out.str(), "Uploading [###############     ]  75% 3.0 MiB/4.0 MiB 0.5 MB/s ETA 0:02\n");
  EXPECT_EQ(bar.done(), 3 * kMiB);
}

TEST(ProgressBarTest, OnATerminalRedrawsInPlaceAtMostEveryInterval) {
  std::ostringstream out;
  FakeClock clock(1000);
  ProgressBar bar(out, /*tty=*/true, clock, 4 * kMiB, "Uploading");
  bar.Add(kMiB);  // no time passed: not drawn
  EXPECT_EQ(out.str(), "");
  clock.Advance(ProgressBar::kTtyInterval.count());
  bar.Add(kMiB);
  EXPECT_EQ(out.str(),
            "\r\033[KUploading [##########          ]  50% 2.0 MiB/4.0 MiB 10.5 MB/s "
            "ETA 0:01");
  bar.Finish();
  EXPECT_THAT(out.str(), HasSubstr("\r\033[KUploading [##########"));
  EXPECT_EQ(out.str().back(), '\n');
  EXPECT_EQ(bar.done(), 2 * kMiB);
  std::string before = out.str();
  bar.Finish();
  EXPECT_EQ(out.str(), before);  // idempotent
}

TEST(ProgressBarTest, InALogWritesWholeLinesEveryFewSeconds) {
  std::ostringstream out;
  FakeClock clock(0);
  ProgressBar bar(out, /*tty=*/false, clock, 4 * kMiB, "Downloading");
  clock.Advance(ProgressBar::kTtyInterval.count());
  bar.Add(kMiB);
  EXPECT_EQ(out.str(), "");  // a terminal would have redrawn; a log waits
  clock.Advance(ProgressBar::kLogInterval.count());
  bar.Add(kMiB);
  bar.Finish();
  EXPECT_EQ(out.str(),
            "Downloading [##########          ]  50% 2.0 MiB/4.0 MiB 0.4 MB/s ETA 0:06\n"
            "Downloading [##########          ]  50% 2.0 MiB/4.0 MiB 0.4 MB/s ETA 0:06\n");
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

}  // namespace
}  // namespace gallery::cli
