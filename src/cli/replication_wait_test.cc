// `gallery sig image-version wait` against a scripted server: what it polls, the progress it
// draws, and how it ends (the region done, a region failed, a region that is no target, the
// timeout, the version gone).

#include "cli/replication_wait.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMiB = int64_t{1} << 20;
const std::string kVersion =
    "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1/images/"
    "def1/versions/1.0.0";
const std::string kGet = "GET " + kVersion + "?api-version=2022-03-03&$expand=ReplicationStatus";

// Time passes only when the command sleeps.
class ClockSleeper final : public Sleeper {
 public:
  explicit ClockSleeper(FakeClock& clock) : clock_(clock) {}
  void Sleep(milliseconds duration) override {
    sleeps.push_back(duration);
    clock_.Advance(duration.count());
  }
  std::vector<milliseconds> sleeps;

 private:
  FakeClock& clock_;
};

json Region(const std::string& name, const std::string& state, int progress, int done, int total) {
  return {{"region", name},
          {"state", state},
          {"details", ""},
          {"progress", progress},
          {"replicasCompleted", done},
          {"replicasTotal", total}};
}

json Copying(json region, int64_t bytes_done, int64_t bytes_total, int64_t rate, int64_t eta) {
  region["bytesDone"] = bytes_done;
  region["bytesTotal"] = bytes_total;
  region["bytesPerSecond"] = rate;
  region["etaSeconds"] = eta;
  return region;
}

json Failed(json region, const std::string& details) {
  region["details"] = details;
  return region;
}

// The version as the server answers with $expand=ReplicationStatus.
json Version(const std::string& aggregated, const json& summary) {
  json targets = json::array();
  for (const json& r : summary) {
    targets.push_back({{"name", r["region"]}, {"regionalReplicaCount", r["replicasTotal"]}});
  }
  const std::string state = aggregated == "Completed" ? "Succeeded"
                            : aggregated == "Failed"  ? "Failed"
                                                      : "Creating";
  return {{"id", kVersion},
          {"name", "1.0.0"},
          {"type", "Microsoft.Compute/galleries/images/versions"},
          {"location", "southcentralus"},
          {"properties",
           {{"provisioningState", state},
            {"publishingProfile", {{"targetRegions", targets}, {"replicaCount", 1}}},
            {"replicationStatus", {{"aggregatedState", aggregated}, {"summary", summary}}}}}};
}

class ImageVersionWaitTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    env_.clock = &clock_;
    env_.sleeper = &sleeper_;
    SaveProfile();
  }

  int Wait(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"sig", "image-version", "wait", "-g",   "rg1", "-r", "gal1",
                                     "-i",  "def1",          "-e",   "1.0.0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  // Three polls: both regions queued; West US 2 copying, East US done; both done.
  void RespondUntilCompleted() {
    transport_.RespondJson(200, Version("InProgress", {Region("East US", "Queued", 0, 0, 1),
                                                       Region("West US 2", "Queued", 0, 0, 2)}));
    transport_.RespondJson(
        200, Version("InProgress", {Region("East US", "Completed", 100, 1, 1),
                                    Copying(Region("West US 2", "Replicating", 40, 0, 2), 4 * kMiB,
                                            10 * kMiB, 1'048'576, 6)}));
    transport_.RespondJson(200,
                           Version("Completed", {Region("East US", "Completed", 100, 1, 1),
                                                 Region("West US 2", "Completed", 100, 2, 2)}));
  }

  FakeClock clock_{1'000'000};
  ClockSleeper sleeper_{clock_};
};

TEST_F(ImageVersionWaitTest, PollsUntilEveryRegionIsCompletedAndPrintsTheVersion) {
  RespondUntilCompleted();
  EXPECT_EQ(Wait(), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre(kGet, kGet, kGet));
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(milliseconds(2000), milliseconds(2000)));
  EXPECT_EQ(OutJson()["properties"]["replicationStatus"]["aggregatedState"], "Completed");
  EXPECT_EQ(OutJson()["properties"]["provisioningState"], "Succeeded");
}

TEST_F(ImageVersionWaitTest, InALogEachRegionGetsALinePerChange) {
  RespondUntilCompleted();
  EXPECT_EQ(Wait(), 0) << err();
  EXPECT_EQ(err(),
            "East US    Queued       [                    ]   0%  replicas 0/1\n"
            "West US 2  Queued       [                    ]   0%  replicas 0/2\n"
            "East US    Completed    [####################] 100%  replicas 1/1\n"
            "West US 2  Replicating  [########            ]  40%  replicas 0/2  "
            "4.0 MiB/10.0 MiB  1.0 MB/s ETA 0:06\n"
            "West US 2  Completed    [####################] 100%  replicas 2/2\n");
}

TEST_F(ImageVersionWaitTest, OnATerminalTheRegionsAreRedrawnInPlace) {
  env_.stderr_is_tty = true;
  RespondUntilCompleted();
  EXPECT_EQ(Wait({"--interval", "5"}), 0) << err();
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(milliseconds(5000), milliseconds(5000)));
  // Drawn three times: once, then twice back up over the two region lines.
  const std::string e = err();
  size_t ups = 0;
  for (size_t at = e.find("\033[2A"); at != std::string::npos; at = e.find("\033[2A", at + 1)) {
    ++ups;
  }
  EXPECT_EQ(ups, 2u);
  EXPECT_THAT(e, HasSubstr("West US 2  Replicating  [########            ]  40%"));
  EXPECT_THAT(e, HasSubstr("\033[2A\r\033[J\033[?7lEast US    Completed    [####################] "
                           "100%  replicas 1/1\nWest US 2  Completed"));
}

TEST_F(ImageVersionWaitTest, ARegionReturnsAsSoonAsItIsCompletedWhateverTheOthersDo) {
  transport_.RespondJson(200,
                         Version("InProgress", {Region("East US", "Queued", 0, 0, 1),
                                                Region("West US 2", "Replicating", 10, 0, 1)}));
  transport_.RespondJson(200,
                         Version("InProgress", {Region("East US", "Completed", 100, 1, 1),
                                                Region("West US 2", "Replicating", 70, 0, 1)}));
  EXPECT_EQ(Wait({"--region", "eastus"}), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre(kGet, kGet));
  EXPECT_EQ(OutJson()["properties"]["replicationStatus"]["summary"][0]["state"], "Completed");
  EXPECT_EQ(OutJson()["properties"]["replicationStatus"]["aggregatedState"], "InProgress");
}

TEST_F(ImageVersionWaitTest, TheRegionMayBeNamedByItsDisplayName) {
  transport_.RespondJson(200, Version("InProgress", {Region("East US", "Queued", 0, 0, 1),
                                                     Region("West US 2", "Completed", 100, 1, 1)}));
  EXPECT_EQ(Wait({"--region", "West US 2", "-o", "table"}), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre(kGet));
  EXPECT_THAT(out(), HasSubstr("1.0.0"));
  EXPECT_THAT(out(), HasSubstr("East US=1,West US 2=1"));
}

TEST_F(ImageVersionWaitTest, AFailedRegionEndsTheWaitWithItsDetails) {
  transport_.RespondJson(200, Version("InProgress", {Region("East US", "Replicating", 5, 0, 1),
                                                     Region("West US 2", "Queued", 0, 0, 1)}));
  transport_.RespondJson(
      200, Version("Failed", {Failed(Region("East US", "Failed", 5, 0, 1),
                                     "Replication to 'eastus' failed after 5 attempts: disk full"),
                              Region("West US 2", "Replicating", 50, 0, 1)}));
  EXPECT_EQ(Wait({"--region", "eastus"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (ReplicationFailed) Replication of image version '1.0.0' "
                               "failed in region East US: Replication to 'eastus' failed after 5 "
                               "attempts: disk full"));
  EXPECT_EQ(out(), "");
}

TEST_F(ImageVersionWaitTest, WithoutARegionAnyFailedRegionEndsTheWait) {
  transport_.RespondJson(
      200, Version("Failed", {Region("East US", "Completed", 100, 1, 1),
                              Failed(Region("West US 2", "Failed", 0, 0, 1), "store unreadable")}));
  EXPECT_EQ(Wait(), 1);
  EXPECT_THAT(err(), HasSubstr("(ReplicationFailed)"));
  EXPECT_THAT(err(), HasSubstr("region West US 2: store unreadable"));
  EXPECT_THAT(transport_.Requests(), ElementsAre(kGet));
}

TEST_F(ImageVersionWaitTest, ARegionOtherThanTheFailedOneStillCompletes) {
  transport_.RespondJson(
      200, Version("Failed", {Region("East US", "Completed", 100, 1, 1),
                              Failed(Region("West US 2", "Failed", 0, 0, 1), "store unreadable")}));
  EXPECT_EQ(Wait({"--region", "eastus"}), 0) << err();
}

TEST_F(ImageVersionWaitTest, ARegionThatIsNoTargetIsAnErrorNamingTheTargets) {
  transport_.RespondJson(200, Version("InProgress", {Region("East US", "Queued", 0, 0, 1),
                                                     Region("West US 2", "Queued", 0, 0, 1)}));
  EXPECT_EQ(Wait({"--region", "westus"}), 1);
  EXPECT_THAT(err(),
              HasSubstr("ERROR: (InvalidParameter) 'westus' is not a target region of "
                        "image version '1.0.0'; its target regions are East US, West US 2."));
  EXPECT_THAT(err(), HasSubstr("Target: --region"));
  EXPECT_THAT(transport_.Requests(), ElementsAre(kGet));
  EXPECT_THAT(sleeper_.sleeps, ::testing::IsEmpty());
}

TEST_F(ImageVersionWaitTest, TheTimeoutEndsTheWaitNamingWhatIsUnderWay) {
  for (int i = 0; i < 4; ++i) {
    transport_.RespondJson(
        200, Version("InProgress", {Region("East US", "Completed", 100, 1, 1),
                                    Region("West US 2", "Replicating", 10 * i, 0, 1)}));
  }
  EXPECT_EQ(Wait({"--timeout", "5", "--interval", "2"}), 1);
  // Reads at 0, 2, 4 and 5 s: the last wait is cut short at the deadline.
  EXPECT_THAT(sleeper_.sleeps,
              ElementsAre(milliseconds(2000), milliseconds(2000), milliseconds(1000)));
  EXPECT_EQ(transport_.calls.size(), 4u);
  EXPECT_THAT(err(), HasSubstr("ERROR: (Timeout) Timed out after 5 s waiting for the replication "
                               "of image version '1.0.0': West US 2 (Replicating, 30%). "
                               "Replication goes on; run the command again to keep waiting."));
  EXPECT_EQ(out(), "");
}

TEST_F(ImageVersionWaitTest, AVersionThatIsGoneIsNotFound) {
  transport_.RespondJson(
      404, {{"error", {{"code", "ResourceNotFound"}, {"message", "The version was not found."}}}});
  EXPECT_EQ(Wait(), 3);
  EXPECT_THAT(err(), HasSubstr("(ResourceNotFound)"));
}

TEST_F(ImageVersionWaitTest, AnAnswerWithoutReplicationStatusIsAnError) {
  json v = Version("Completed", json::array());
  v["properties"].erase("replicationStatus");
  transport_.RespondJson(200, v);
  EXPECT_EQ(Wait(), 1);
  EXPECT_THAT(err(), HasSubstr("(InvalidResponse)"));
  EXPECT_THAT(err(), HasSubstr("replicationStatus"));
}

TEST_F(ImageVersionWaitTest, TimeoutAndIntervalMustBePositive) {
  for (const char* option : {"--timeout", "--interval"}) {
    EXPECT_EQ(Wait({option, "0"}), 2) << option;
    EXPECT_THAT(err(), HasSubstr(option));
  }
  EXPECT_THAT(transport_.calls, ::testing::IsEmpty());
}

// The engine alone: the aggregate decides when no region is named, even if every region
// listed is done.
TEST(WaitForReplicationTest, WithoutARegionTheServersAggregateMustSayCompleted) {
  FakeClock clock(0);
  ClockSleeper sleeper(clock);
  std::ostringstream err;
  ReplicationDisplay display(err, /*tty=*/false);
  std::vector<json> answers = {
      Version("InProgress", json::array({Region("East US", "Completed", 100, 1, 1)})),
      Version("Completed", json::array({Region("East US", "Completed", 100, 1, 1)}))};
  size_t reads = 0;
  Result<json> version = WaitForReplication([&]() -> Result<json> { return answers.at(reads++); },
                                            {.version = "1.0.0"}, clock, sleeper, display);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(reads, 2u);
  EXPECT_EQ((*version)["properties"]["replicationStatus"]["aggregatedState"], "Completed");
}

TEST(WaitForReplicationTest, AReadErrorIsReturnedUnchanged) {
  FakeClock clock(0);
  ClockSleeper sleeper(clock);
  std::ostringstream err;
  ReplicationDisplay display(err, /*tty=*/false);
  Result<json> version =
      WaitForReplication([]() -> Result<json> { return Status::Unavailable("connection refused"); },
                         {.version = "1.0.0", .region = "eastus"}, clock, sleeper, display);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(version.status().message(), "connection refused");
  EXPECT_THAT(sleeper.sleeps, ::testing::IsEmpty());
}

}  // namespace
}  // namespace gallery::cli
