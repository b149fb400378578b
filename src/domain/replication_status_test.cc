#include "domain/replication_status.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

constexpr ReplicationState kQueued = ReplicationState::kQueued;
constexpr ReplicationState kReplicating = ReplicationState::kReplicating;
constexpr ReplicationState kCompleted = ReplicationState::kCompleted;
constexpr ReplicationState kFailed = ReplicationState::kFailed;

// eastus (2 replicas) and westus (common count 1).
GalleryImageVersion Version(std::vector<Replica> replicas) {
  GalleryImageVersion v;
  v.target_regions = {TargetRegion{"eastus", 2, "Standard_LRS", {}, {}},
                      TargetRegion{"westus", std::nullopt, "Standard_LRS", {}, {}}};
  v.replica_count = 1;
  v.replicas = std::move(replicas);
  return v;
}

Replica R(const std::string& region, int32_t index, ReplicationState state,
          std::string details = "") {
  return Replica{region, index, region, state, {}, std::move(details), 0, 0};
}

TEST(ReplicationStatusTest, RegionStateFollowsItsReplicas) {
  GalleryImageVersion v = Version({R("eastus", 0, kCompleted), R("eastus", 1, kQueued),
                                   R("westus", 0, kCompleted)});
  std::vector<RegionReplication> s = SummarizeReplication(v);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].region, "eastus");
  EXPECT_EQ(s[0].state, kQueued);
  EXPECT_EQ(s[0].replicas_done, 1);
  EXPECT_EQ(s[0].replicas_total, 2);
  EXPECT_EQ(s[0].progress, 50);
  EXPECT_EQ(s[1].state, kCompleted);
  EXPECT_EQ(s[1].progress, 100);
  EXPECT_EQ(AggregatedReplicationState(s), "InProgress");
  EXPECT_FALSE(RegionUsable(v, "eastus"));
  EXPECT_TRUE(RegionUsable(v, "westus"));  // usable whatever eastus is doing
  EXPECT_FALSE(RegionUsable(v, "northeurope"));
  EXPECT_TRUE(ReplicationPending(v));
  EXPECT_FALSE(ReplicationFailed(v));
  EXPECT_FALSE(ReplicaPending(v.replicas[0]));
  EXPECT_TRUE(ReplicaPending(v.replicas[1]));

  v.replicas[1].state = kReplicating;
  EXPECT_EQ(SummarizeReplication(v)[0].state, kReplicating);
  v.replicas[1].state = kCompleted;
  EXPECT_EQ(AggregatedReplicationState(SummarizeReplication(v)), "Completed");
  EXPECT_TRUE(RegionUsable(v, "eastus"));
  EXPECT_FALSE(ReplicationPending(v));
}

TEST(ReplicationStatusTest, AFailedReplicaFailsItsRegionWithItsDetails) {
  GalleryImageVersion v = Version({R("eastus", 0, kCompleted),
                                   R("eastus", 1, kFailed, "store 'eastus-2' is unavailable"),
                                   R("westus", 0, kReplicating, "Attempt 1 of 5 failed")});
  std::vector<RegionReplication> s = SummarizeReplication(v);
  EXPECT_EQ(s[0].state, kFailed);
  EXPECT_EQ(s[0].details, "store 'eastus-2' is unavailable");
  EXPECT_EQ(s[1].state, kReplicating);
  EXPECT_EQ(s[1].details, "Attempt 1 of 5 failed");
  EXPECT_EQ(AggregatedReplicationState(s), "Failed");
  EXPECT_FALSE(ReplicationFailed(v));  // westus still works
  v.replicas[2].state = kCompleted;
  EXPECT_TRUE(ReplicationFailed(v));
}

TEST(ReplicationStatusTest, RegionsWithoutPlannedReplicasAreQueued) {
  std::vector<RegionReplication> s = SummarizeReplication(Version({}));
  EXPECT_EQ(s[0].state, kQueued);
  EXPECT_EQ(s[0].replicas_total, 2);
  EXPECT_EQ(s[0].progress, 0);
  EXPECT_EQ(AggregatedReplicationState({}), "Completed");
}

TEST(ReplicationStatusTest, LiveProgressGivesBytesRateAndEta) {
  GalleryImageVersion v = Version({R("eastus", 0, kReplicating), R("eastus", 1, kReplicating),
                                   R("westus", 0, kCompleted)});
  auto live = [](const std::string& region) -> std::optional<LiveReplication> {
    if (region == "eastus") {
      return LiveReplication{250, 1000, 50.0};
    }
    return std::nullopt;
  };
  std::vector<RegionReplication> s = SummarizeReplication(v, live);
  EXPECT_EQ(s[0].bytes_done, 250);
  EXPECT_EQ(s[0].bytes_total, 1000);
  EXPECT_EQ(s[0].progress, 25);
  EXPECT_DOUBLE_EQ(s[0].bytes_per_second, 50.0);
  ASSERT_TRUE(s[0].eta_seconds.has_value());
  EXPECT_EQ(*s[0].eta_seconds, 15);
  EXPECT_EQ(s[1].progress, 100);  // completed: no live entry needed
  // All bytes done but not recorded yet: never 100 before the replicas are.
  auto done = [](const std::string&) { return std::optional<LiveReplication>({1000, 1000, 0}); };
  EXPECT_EQ(SummarizeReplication(v, done)[0].progress, 99);
  EXPECT_FALSE(SummarizeReplication(v, done)[0].eta_seconds.has_value());
}

// audit c#10 c: westus's count raised 1 -> 2 while its one replica was 82% copied. Bytes,
// progress and ETA cover both replicas from then on: progress halves (the new total's share), and
// the second copy's progress adds to the completed first replica instead of starting over.
TEST(ReplicationStatusTest, ACountRaisedMidCopyCountsEveryReplicaOfTheRegion) {
  GalleryImageVersion v = Version(
      {R("eastus", 0, kCompleted), R("eastus", 1, kCompleted), R("westus", 0, kReplicating)});
  std::optional<LiveReplication> live = LiveReplication{820, 1000, 100.0, 1};
  auto lookup = [&](const std::string& region) { return region == "westus" ? live : std::nullopt; };
  RegionReplication before = SummarizeReplication(v, lookup)[1];
  EXPECT_EQ(before.state, kReplicating);
  EXPECT_EQ(before.progress, 82);
  EXPECT_EQ(before.bytes_done, 820);
  EXPECT_EQ(before.bytes_total, 1000);
  EXPECT_EQ(before.eta_seconds.value_or(-1), 2);

  // The raise: the running copy still fills replica 0 only.
  v.replica_count = 2;
  v.replicas.push_back(R("westus", 1, kReplicating));
  RegionReplication raised = SummarizeReplication(v, lookup)[1];
  EXPECT_EQ(raised.state, kReplicating);
  EXPECT_EQ(raised.replicas_total, 2);
  EXPECT_EQ(raised.bytes_done, 820);
  EXPECT_EQ(raised.bytes_total, 2000);
  EXPECT_EQ(raised.progress, 41);
  EXPECT_DOUBLE_EQ(raised.bytes_per_second, 100.0);
  EXPECT_EQ(raised.eta_seconds.value_or(-1), 12);

  // Replica 0 done, no copy running for a moment: still Replicating, half done.
  v.replicas[2].state = kCompleted;
  live.reset();
  RegionReplication between = SummarizeReplication(v, lookup)[1];
  EXPECT_EQ(between.state, kReplicating);
  EXPECT_EQ(between.progress, 50);

  // The copy of replica 1 (its chunks found present: no rate) adds to replica 0's bytes.
  live = LiveReplication{600, 1000, 0.0, 1};
  RegionReplication second = SummarizeReplication(v, lookup)[1];
  EXPECT_EQ(second.state, kReplicating);
  EXPECT_EQ(second.bytes_done, 1600);
  EXPECT_EQ(second.bytes_total, 2000);
  EXPECT_EQ(second.progress, 80);
  EXPECT_FALSE(second.eta_seconds.has_value());
}

TEST(ReplicationStatusTest, ACompletedReplicaInAnUnavailableStoreFailsItsRegion) {
  // westus's store lost its disk: its completed replica holds no readable data any more.
  GalleryImageVersion v =
      Version({R("eastus", 0, kCompleted), R("eastus", 1, kCompleted), R("westus", 0, kCompleted)});
  std::vector<RegionReplication> s =
      SummarizeReplication(v, [](const std::string& region) -> std::optional<LiveReplication> {
        if (region != "westus") {
          return std::nullopt;
        }
        LiveReplication live;
        live.unavailable_stores["westus"] = "chunk store 'westus' is missing";
        return live;
      });
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].state, kCompleted);
  EXPECT_EQ(s[1].state, kFailed);
  EXPECT_EQ(s[1].replicas_done, 0);
  EXPECT_EQ(s[1].progress, 0);
  EXPECT_EQ(s[1].details, "chunk store 'westus' is missing");
  EXPECT_EQ(AggregatedReplicationState(s), "Failed");
}

TEST(ReplicationStatusTest, AFailedRegionShowsNoLiveBytesRateOrEta) {
  // The job that just failed still reports its last progress for a moment.
  GalleryImageVersion v = Version({R("eastus", 0, kCompleted), R("eastus", 1, kCompleted),
                                   R("westus", 0, kFailed, "disk full")});
  auto live = [](const std::string&) {
    return std::optional<LiveReplication>(LiveReplication{480, 1000, 20.0});
  };
  std::vector<RegionReplication> s = SummarizeReplication(v, live);
  EXPECT_EQ(s[1].state, kFailed);
  EXPECT_EQ(s[1].details, "disk full");
  EXPECT_EQ(s[1].bytes_done, 0);
  EXPECT_EQ(s[1].bytes_total, 0);
  EXPECT_EQ(s[1].bytes_per_second, 0);
  EXPECT_FALSE(s[1].eta_seconds.has_value());
}

}  // namespace
}  // namespace gallery::domain
