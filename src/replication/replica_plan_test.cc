#include "replication/replica_plan.h"

#include <gtest/gtest.h>

#include <map>

namespace gallery::replication {
namespace {

using domain::GalleryImageVersion;
using domain::Replica;
using domain::ReplicationState;
using domain::TargetRegion;

// eastus has two stores, westus one, northeurope three.
std::vector<std::string> Stores(const std::string& region) {
  static const std::map<std::string, std::vector<std::string>> kStores{
      {"eastus", {"eastus", "eastus-2"}},
      {"westus", {"westus"}},
      {"northeurope", {"northeurope", "ne-b", "ne-c"}}};
  auto it = kStores.find(region);
  return it == kStores.end() ? std::vector<std::string>{} : it->second;
}

TargetRegion Target(const std::string& name, std::optional<int32_t> count = std::nullopt) {
  TargetRegion t;
  t.name = name;
  t.regional_replica_count = count;
  return t;
}

GalleryImageVersion Version(std::vector<TargetRegion> targets, int32_t common = 1) {
  GalleryImageVersion v;
  v.target_regions = std::move(targets);
  v.replica_count = common;
  return v;
}

// (region, index, store, state) of each replica, in order.
using Row = std::tuple<std::string, int32_t, std::string, ReplicationState>;
std::vector<Row> Rows(const GalleryImageVersion& v) {
  std::vector<Row> out;
  for (const Replica& r : v.replicas) {
    out.emplace_back(r.region, r.index, r.store, r.state);
  }
  return out;
}

constexpr ReplicationState kQueued = ReplicationState::kQueued;
constexpr ReplicationState kCompleted = ReplicationState::kCompleted;
constexpr ReplicationState kFailed = ReplicationState::kFailed;

void CompleteAll(GalleryImageVersion* v) {
  for (Replica& r : v->replicas) {
    r.state = kCompleted;
    r.manifests = {"m-" + r.region + "-" + std::to_string(r.index)};
  }
}

TEST(ReconcileTest, ANewVersionGetsEveryReplicaSpreadRoundRobinOverTheRegionsStores) {
  GalleryImageVersion v =
      Version({Target("eastus", 3), Target("westus", 2), Target("northeurope")}, 1);
  EXPECT_TRUE(Reconcile(&v, Stores, {}).empty());
  EXPECT_EQ(Rows(v), (std::vector<Row>{{"eastus", 0, "eastus", kQueued},
                                       {"eastus", 1, "eastus-2", kQueued},
                                       {"eastus", 2, "eastus", kQueued},  // shares store 0
                                       {"westus", 0, "westus", kQueued},
                                       {"westus", 1, "westus", kQueued},
                                       {"northeurope", 0, "northeurope", kQueued}}));
}

TEST(ReconcileTest, ARegionWithoutConfiguredStoresUsesOneNamedLikeIt) {
  GalleryImageVersion v = Version({Target("centralus", 2)});
  Reconcile(&v, Stores, {});
  EXPECT_EQ(Rows(v), (std::vector<Row>{{"centralus", 0, "centralus", kQueued},
                                       {"centralus", 1, "centralus", kQueued}}));
}

TEST(ReconcileTest, AnAddedRegionOrARaisedCountAddsOnlyTheMissingReplicas) {
  GalleryImageVersion v = Version({Target("eastus", 1), Target("westus")});
  Reconcile(&v, Stores, {});
  CompleteAll(&v);
  v.target_regions = {Target("eastus", 2), Target("westus"), Target("northeurope", 2)};
  EXPECT_TRUE(Reconcile(&v, Stores, {}).empty());
  EXPECT_EQ(Rows(v), (std::vector<Row>{{"eastus", 0, "eastus", kCompleted},
                                       {"eastus", 1, "eastus-2", kQueued},
                                       {"westus", 0, "westus", kCompleted},
                                       {"northeurope", 0, "northeurope", kQueued},
                                       {"northeurope", 1, "ne-b", kQueued}}));
  EXPECT_EQ(v.replicas[0].manifests, std::vector<std::string>{"m-eastus-0"});  // kept as is
}

// audit c#10 c: raising a count while a region is copied sent it back to Queued for a moment.
TEST(ReconcileTest, ACountRaisedWhileItsRegionIsCopiedAddsReplicasThatAreReplicating) {
  GalleryImageVersion v = Version({Target("eastus", 1), Target("westus", 1)});
  Reconcile(&v, Stores, {});
  v.replicas[0].state = ReplicationState::kReplicating;  // eastus is being copied
  v.target_regions = {Target("eastus", 2), Target("westus", 2)};
  Reconcile(&v, Stores, {});
  EXPECT_EQ(Rows(v), (std::vector<Row>{{"eastus", 0, "eastus", ReplicationState::kReplicating},
                                       {"eastus", 1, "eastus-2", ReplicationState::kReplicating},
                                       {"westus", 0, "westus", kQueued},
                                       {"westus", 1, "westus", kQueued}}));
  EXPECT_EQ(v.replicas[1].retry_at, 0);  // due at once
}

TEST(ReconcileTest, ARaisedCommonCountReachesRegionsWithoutTheirOwnCount) {
  GalleryImageVersion v = Version({Target("eastus", 1), Target("westus")}, 1);
  Reconcile(&v, Stores, {});
  CompleteAll(&v);
  v.replica_count = 2;
  Reconcile(&v, Stores, {});
  EXPECT_EQ(Rows(v), (std::vector<Row>{{"eastus", 0, "eastus", kCompleted},
                                       {"westus", 0, "westus", kCompleted},
                                       {"westus", 1, "westus", kQueued}}));
}

TEST(ReconcileTest, ARemovedRegionOrALoweredCountRemovesThoseReplicasWithTheirManifests) {
  GalleryImageVersion v = Version({Target("eastus", 3), Target("westus"), Target("northeurope")});
  Reconcile(&v, Stores, {});
  CompleteAll(&v);
  v.target_regions = {Target("eastus", 1), Target("northeurope")};
  std::vector<Replica> removed = Reconcile(&v, Stores, {});
  EXPECT_EQ(Rows(v), (std::vector<Row>{{"eastus", 0, "eastus", kCompleted},
                                       {"northeurope", 0, "northeurope", kCompleted}}));
  ASSERT_EQ(removed.size(), 3u);
  EXPECT_EQ(removed[0].region, "eastus");
  EXPECT_EQ(removed[0].index, 1);
  EXPECT_EQ(removed[0].manifests, std::vector<std::string>{"m-eastus-1"});
  EXPECT_EQ(removed[1].index, 2);
  EXPECT_EQ(removed[2].region, "westus");
}

TEST(ReconcileTest, ReplicasInFlightSurviveAnUnrelatedChangeAndMayBeRemovedMidway) {
  GalleryImageVersion v = Version({Target("eastus", 2), Target("westus")});
  Reconcile(&v, Stores, {});
  v.replicas[1].state = ReplicationState::kReplicating;
  v.replicas[1].attempts = 1;
  v.replicas[1].details = "Attempt 1 of 5 failed";
  GalleryImageVersion same = v;
  EXPECT_TRUE(Reconcile(&same, Stores, {}).empty());
  EXPECT_EQ(same.replicas, v.replicas);  // progress and retries kept
  v.target_regions = {Target("eastus", 1), Target("westus")};
  std::vector<Replica> removed = Reconcile(&v, Stores, {});
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].state, ReplicationState::kReplicating);  // its job stops by itself
}

TEST(ReconcileTest, FailedReplicasStartAgainOnlyWhenAsked) {
  GalleryImageVersion v = Version({Target("eastus"), Target("westus")});
  Reconcile(&v, Stores, {});
  v.replicas[1].state = kFailed;
  v.replicas[1].attempts = 5;
  v.replicas[1].retry_at = 123;
  v.replicas[1].details = "store 'westus' is unavailable";
  GalleryImageVersion kept = v;
  Reconcile(&kept, Stores, {.retry_failed = false});
  EXPECT_EQ(kept.replicas[1].state, kFailed);
  Reconcile(&v, Stores, {.retry_failed = true});
  EXPECT_EQ(v.replicas[1].state, kQueued);
  EXPECT_EQ(v.replicas[1].attempts, 0);
  EXPECT_EQ(v.replicas[1].retry_at, 0);
  EXPECT_EQ(v.replicas[1].details, "");
}

TEST(ReconcileTest, ChangesInEveryDirectionAtOnceConvergeToTheProfile) {
  // From any profile to any other, the result is exactly the target profile's replicas, and
  // what survives keeps its state.
  const std::vector<std::vector<TargetRegion>> profiles = {
      {Target("eastus", 1)},
      {Target("eastus", 3), Target("westus", 2)},
      {Target("westus"), Target("northeurope", 3)},
      {Target("northeurope", 1), Target("eastus", 2), Target("westus", 1)},
  };
  for (const auto& from : profiles) {
    for (const auto& to : profiles) {
      GalleryImageVersion v = Version(from, 2);
      Reconcile(&v, Stores, {});
      CompleteAll(&v);
      const size_t before = v.replicas.size();
      v.target_regions = to;
      std::vector<Replica> removed = Reconcile(&v, Stores, {});
      size_t expected = 0;
      for (const TargetRegion& t : to) {
        expected += static_cast<size_t>(v.ReplicaCountFor(t));
      }
      ASSERT_EQ(v.replicas.size(), expected);
      size_t completed = 0;
      for (const Replica& r : v.replicas) {
        completed += r.state == kCompleted ? 1 : 0;
      }
      EXPECT_EQ(before - removed.size(), completed);  // kept = completed, added = queued
      GalleryImageVersion again = v;
      EXPECT_TRUE(Reconcile(&again, Stores, {}).empty());  // idempotent
      EXPECT_EQ(again.replicas, v.replicas);
    }
  }
}

}  // namespace
}  // namespace gallery::replication
