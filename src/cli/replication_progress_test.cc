#include "cli/replication_progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kMiB = int64_t{1} << 20;

json Version(const json& status) {
  return {{"name", "1.0.0"}, {"properties", {{"replicationStatus", status}}}};
}

json StatusJson(const std::string& aggregated, const json& summary) {
  return {{"aggregatedState", aggregated}, {"summary", summary}};
}

TEST(ParseReplicationStatusTest, ReadsAzuresFieldsAndGallerysAdditions) {
  Result<ReplicationReport> report =
      ParseReplicationStatus(Version(StatusJson("InProgress", {{{"region", "South Central US"},
                                                                {"state", "Completed"},
                                                                {"details", ""},
                                                                {"progress", 100},
                                                                {"replicasCompleted", 2},
                                                                {"replicasTotal", 2}},
                                                               {{"region", "West US 2"},
                                                                {"state", "Replicating"},
                                                                {"details", ""},
                                                                {"progress", 40},
                                                                {"replicasCompleted", 0},
                                                                {"replicasTotal", 1},
                                                                {"bytesDone", 4 * kMiB},
                                                                {"bytesTotal", 10 * kMiB},
                                                                {"bytesPerSecond", 1'000'000},
                                                                {"etaSeconds", 7}}})));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->aggregated_state, "InProgress");
  ASSERT_EQ(report->regions.size(), 2u);
  const RegionProgress& done = report->regions[0];
  EXPECT_EQ(done.region, "South Central US");
  EXPECT_EQ(done.state, "Completed");
  EXPECT_EQ(done.progress, 100);
  EXPECT_EQ(done.replicas_done, 2);
  EXPECT_EQ(done.replicas_total, 2);
  EXPECT_FALSE(done.bytes_total.has_value());
  const RegionProgress& running = report->regions[1];
  EXPECT_EQ(running.bytes_done, 4 * kMiB);
  EXPECT_EQ(running.bytes_total, 10 * kMiB);
  EXPECT_EQ(running.bytes_per_second, 1'000'000);
  EXPECT_EQ(running.eta_seconds, 7);
}

TEST(ParseReplicationStatusTest, AzuresFourFieldsAreEnough) {
  Result<ReplicationReport> report = ParseReplicationStatus(Version(StatusJson(
      "Completed", {{{"region", "East US"}, {"state", "Completed"}, {"progress", 100}}})));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->regions[0].details, "");
  EXPECT_FALSE(report->regions[0].replicas_total.has_value());
}

TEST(ParseReplicationStatusTest, AVersionReadWithoutTheExpandIsAnInvalidResponse) {
  Result<ReplicationReport> report = ParseReplicationStatus(
      {{"name", "1.0.0"}, {"properties", {{"provisioningState", "Creating"}}}});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInternal);
  EXPECT_EQ(report.status().reason(), "InvalidResponse");
  EXPECT_THAT(report.status().message(), HasSubstr("missing"));
}

TEST(ParseReplicationStatusTest, MalformedStatusesAreInvalidResponses) {
  for (const json& status :
       {json{{"summary", json::array()}}, json{{"aggregatedState", "Completed"}},
        StatusJson("InProgress", {{{"state", "Queued"}}}),
        StatusJson("InProgress", {{{"region", "East US"}, {"state", 3}}}), json("Completed")}) {
    Result<ReplicationReport> report = ParseReplicationStatus(Version(status));
    ASSERT_FALSE(report.ok()) << status.dump();
    EXPECT_EQ(report.status().reason(), "InvalidResponse") << status.dump();
  }
}

TEST(ParseReplicationStatusTest, ProgressIsClampedToAPercentage) {
  Result<ReplicationReport> report = ParseReplicationStatus(Version(
      StatusJson("InProgress", {{{"region", "a"}, {"state", "Queued"}, {"progress", 250}},
                                {{"region", "b"}, {"state", "Queued"}, {"progress", -4}}})));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->regions[0].progress, 100);
  EXPECT_EQ(report->regions[1].progress, 0);
}

TEST(FindRegionTest, ANameOrADisplayNameInAnyCase) {
  ReplicationReport report;
  report.regions = {{.region = "South Central US"}, {.region = "West US 2"}};
  EXPECT_EQ(FindRegion(report, "westus2"), &report.regions[1]);
  EXPECT_EQ(FindRegion(report, "West US 2"), &report.regions[1]);
  EXPECT_EQ(FindRegion(report, "SOUTHCENTRALUS"), &report.regions[0]);
  EXPECT_EQ(FindRegion(report, "westus"), nullptr);
  EXPECT_EQ(FindRegion(report, ""), nullptr);
}

TEST(FormatRegionLineTest, ARunningCopyShowsBytesRateAndEta) {
  RegionProgress r{.region = "West US 2",
                   .state = "Replicating",
                   .progress = 40,
                   .replicas_done = 0,
                   .replicas_total = 1,
                   .bytes_done = 4 * kMiB,
                   .bytes_total = 10 * kMiB,
                   .bytes_per_second = 1'048'576,
                   .eta_seconds = 6};
  EXPECT_EQ(FormatRegionLine(r, 16),
            "West US 2         Replicating  [########            ]  40%  replicas 0/1  "
            "4.0 MiB/10.0 MiB  1.0 MB/s ETA 0:06");
}

TEST(FormatRegionLineTest, WithoutACopyRunningOnlyStateProgressAndReplicas) {
  RegionProgress r{.region = "South Central US",
                   .state = "Completed",
                   .progress = 100,
                   .replicas_done = 2,
                   .replicas_total = 2};
  EXPECT_EQ(FormatRegionLine(r, 16),
            "South Central US  Completed    [####################] 100%  replicas 2/2");
}

TEST(FormatRegionLineTest, UnknownRateAndEtaAndTheDetails) {
  RegionProgress r{.region = "East US",
                   .state = "Queued",
                   .details = "Attempt 1 of 5 failed: disk full; retrying",
                   .progress = 0,
                   .bytes_done = 0,
                   .bytes_total = 2 * kMiB};
  EXPECT_EQ(FormatRegionLine(r, 7),
            "East US  Queued       [                    ]   0%  0 B/2.0 MiB  -- MB/s ETA --:--  "
            "Attempt 1 of 5 failed: disk full; retrying");
}

ReplicationReport Report(std::vector<RegionProgress> regions) {
  return {.aggregated_state = "InProgress", .regions = std::move(regions)};
}

TEST(ReplicationDisplayTest, OnATerminalRedrawsEveryRegionInPlace) {
  std::ostringstream out;
  ReplicationDisplay display(out, /*tty=*/true);
  display.Show(Report(
      {{.region = "East US", .state = "Queued"}, {.region = "West US 2", .state = "Queued"}}));
  EXPECT_EQ(out.str(),
            "\033[?7l"
            "East US    Queued       [                    ]   0%\n"
            "West US 2  Queued       [                    ]   0%\n"
            "\033[?7h");
  out.str("");
  display.Show(Report({{.region = "East US", .state = "Completed", .progress = 100},
                       {.region = "West US 2", .state = "Replicating", .progress = 50}}));
  EXPECT_EQ(out.str(),
            "\033[2A\r\033[J\033[?7l"
            "East US    Completed    [####################] 100%\n"
            "West US 2  Replicating  [##########          ]  50%\n"
            "\033[?7h");
  // A region added meanwhile is one more line; the next redraw goes up over all three.
  out.str("");
  display.Show(Report({{.region = "East US", .state = "Completed", .progress = 100},
                       {.region = "West US 2", .state = "Completed", .progress = 100},
                       {.region = "West US", .state = "Queued"}}));
  EXPECT_THAT(out.str(), ::testing::StartsWith("\033[2A\r\033[J"));
  out.str("");
  display.Show(Report({{.region = "East US", .state = "Completed", .progress = 100}}));
  EXPECT_THAT(out.str(), ::testing::StartsWith("\033[3A\r\033[J"));
}

TEST(ReplicationDisplayTest, InALogWritesALinePerChangeNotPerPoll) {
  std::ostringstream out;
  ReplicationDisplay display(out, /*tty=*/false);
  RegionProgress east{.region = "East US", .state = "Replicating", .progress = 10};
  RegionProgress west{.region = "West US", .state = "Queued"};
  east.bytes_done = kMiB;
  east.bytes_total = 10 * kMiB;
  display.Show(Report({east, west}));
  // Only the bytes moved (and the rate): nothing new to log.
  east.bytes_done = kMiB + 1;
  east.bytes_per_second = 5;
  display.Show(Report({east, west}));
  east.progress = 60;
  display.Show(Report({east, west}));
  west.details = "Attempt 1 of 5 failed: disk full";
  display.Show(Report({east, west}));
  EXPECT_EQ(
      out.str(),
      "East US  Replicating  [##                  ]  10%  1.0 MiB/10.0 MiB  -- MB/s ETA --:--\n"
      "West US  Queued       [                    ]   0%\n"
      "East US  Replicating  [############        ]  60%  1.0 MiB/10.0 MiB  0.0 MB/s ETA --:--\n"
      "West US  Queued       [                    ]   0%  Attempt 1 of 5 failed: disk full\n");
  EXPECT_EQ(out.str().find('\033'), std::string::npos);
}

}  // namespace
}  // namespace gallery::cli
