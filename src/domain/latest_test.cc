#include "domain/latest.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

const std::optional<std::string> kAnyRegion;

// A provisioned version replicated (Completed) to `regions`.
GalleryImageVersion Version(const std::string& name,
                            const std::vector<std::string>& regions = {"eastus"}) {
  GalleryImageVersion v;
  Result<SemVer> semver = SemVer::Parse(name);
  EXPECT_TRUE(semver.ok()) << name;
  v.version = *semver;
  v.meta.provisioning_state = ProvisioningState::kSucceeded;
  for (const std::string& region : regions) {
    TargetRegion t;
    t.name = region;
    v.target_regions.push_back(t);
    v.replicas.push_back({region, 0, region, ReplicationState::kCompleted, {}, "", 0, 0});
  }
  return v;
}

TEST(LatestTest, NoVersionsMeansNone) {
  EXPECT_EQ(ResolveLatest({}, kAnyRegion), std::nullopt);
  EXPECT_EQ(ResolveLatest({}, std::string("eastus")), std::nullopt);
}

TEST(LatestTest, HighestVersionInNumericOrderWins) {
  std::vector<GalleryImageVersion> versions = {Version("1.9.0"), Version("1.10.0"),
                                               Version("1.2.0")};
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 1u);
  versions.push_back(Version("1.10.1"));
  versions.push_back(Version("0.99.99"));
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 3u);
}

TEST(LatestTest, ExcludedVersionsAreSkipped) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0"), Version("2.0.0")};
  versions[1].exclude_from_latest = true;
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 0u);
  versions[0].exclude_from_latest = true;
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), std::nullopt);
}

TEST(LatestTest, VersionsNotYetProvisionedAreSkipped) {
  for (ProvisioningState state :
       {ProvisioningState::kCreating, ProvisioningState::kFailed, ProvisioningState::kDeleting}) {
    std::vector<GalleryImageVersion> versions = {Version("1.0.0"), Version("2.0.0")};
    versions[1].meta.provisioning_state = state;
    EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 0u) << ToString(state);
  }
}

TEST(LatestTest, VersionBeingUpdatedStaysLatest) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0"), Version("2.0.0")};
  versions[1].meta.provisioning_state = ProvisioningState::kUpdating;
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 1u);
}

TEST(LatestTest, EndOfLifeIsNotACriterion) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0"), Version("2.0.0")};
  versions[1].end_of_life = 1;  // long past
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 1u);
}

TEST(LatestTest, InARegionTheVersionMustTargetIt) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0", {"eastus", "westus"}),
                                               Version("2.0.0", {"eastus"})};
  EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 0u);
  EXPECT_EQ(ResolveLatest(versions, std::string("eastus")), 1u);
  EXPECT_EQ(ResolveLatest(versions, std::string("northeurope")), std::nullopt);
}

TEST(LatestTest, InARegionReplicationThereMustBeCompleted) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0", {"eastus", "westus"}),
                                               Version("2.0.0", {"eastus", "westus"})};
  versions[1].replicas[1].state = ReplicationState::kReplicating;
  EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 0u);
  EXPECT_EQ(ResolveLatest(versions, std::string("eastus")), 1u);
  versions[1].replicas[1].state = ReplicationState::kFailed;
  EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 0u);
  versions[1].replicas.pop_back();  // no replica in westus at all
  EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 0u);
}

TEST(LatestTest, RegionalExcludeFromLatestOverridesTheVersionsFlag) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0", {"eastus", "westus"}),
                                               Version("2.0.0", {"eastus", "westus"})};
  // The version is excluded, but westus explicitly includes it.
  versions[1].exclude_from_latest = true;
  versions[1].target_regions[1].exclude_from_latest = false;
  EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 1u);
  EXPECT_EQ(ResolveLatest(versions, std::string("eastus")), 0u);
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 0u);
  // The version is included, but westus explicitly excludes it.
  versions[1].exclude_from_latest = false;
  versions[1].target_regions[1].exclude_from_latest = true;
  EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 0u);
  EXPECT_EQ(ResolveLatest(versions, std::string("eastus")), 1u);
  EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 1u);
}

TEST(LatestTest, InARegionWhoseReplicasAreCompleteOtherRegionsDoNotMatter) {
  // 2.0.0 is still copying to westus (Creating), or failed there for good (Failed).
  for (ReplicationState westus : {ReplicationState::kReplicating, ReplicationState::kFailed}) {
    std::vector<GalleryImageVersion> versions = {Version("1.0.0", {"eastus", "westus"}),
                                                 Version("2.0.0", {"eastus", "westus"})};
    versions[1].meta.provisioning_state = westus == ReplicationState::kFailed
                                              ? ProvisioningState::kFailed
                                              : ProvisioningState::kCreating;
    versions[1].replicas[1].state = westus;
    EXPECT_EQ(ResolveLatest(versions, std::string("eastus")), 1u);
    EXPECT_EQ(ResolveLatest(versions, std::string("westus")), 0u);
    EXPECT_EQ(ResolveLatest(versions, kAnyRegion), 0u);
  }
}

TEST(LatestTest, InARegionAVersionBeingDeletedIsSkipped) {
  std::vector<GalleryImageVersion> versions = {Version("1.0.0"), Version("2.0.0")};
  versions[1].meta.provisioning_state = ProvisioningState::kDeleting;
  EXPECT_EQ(ResolveLatest(versions, std::string("eastus")), 0u);
}

}  // namespace
}  // namespace gallery::domain
