#include "domain/gallery_image_version_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// 2025-01-01T00:00:00Z: the fixed "now" of every rule.
constexpr TimestampMs kNow = 1735689600000;
constexpr TimestampMs kDay = 24LL * 60 * 60 * 1000;
constexpr char kPublishing[] = "galleryImageVersion.properties.publishingProfile.";
constexpr char kTargets[] = "galleryImageVersion.properties.publishingProfile.targetRegions";
constexpr char kSourceField[] = "galleryImageVersion.properties.storageProfile.source.id";
constexpr char kLocation[] = "southcentralus";

ResourceId VersionId(const std::string& name) {
  return ResourceId::ForResource("sub1", "rg1", "Microsoft.Compute",
                                 {{"galleries", "gal1"}, {"images", "def1"}, {"versions", name}});
}

ResourceId ImageId(const std::string& name) {
  return ResourceId::ForResource("sub1", "rg1", "Microsoft.Compute", {{"images", name}});
}

TargetRegionInput Target(const std::string& name, std::optional<int32_t> count = std::nullopt,
                         std::optional<std::string> type = std::nullopt) {
  TargetRegionInput t;
  t.name = name;
  t.regional_replica_count = count;
  t.storage_account_type = std::move(type);
  return t;
}

GalleryImageVersionInput ValidInput() {
  GalleryImageVersionInput in;
  in.location = kLocation;
  in.source_id = ImageId("img1").ToString();
  return in;
}

void ExpectError(const Status& s, StatusCode code, const std::string& reason,
                 const std::string& names) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.reason(), reason) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(names));
}

void ExpectInvalid(const Status& s, const std::string& names) {
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter", names);
}

void ExpectChangeNotAllowed(const Status& s, const std::string& property) {
  ExpectError(s, StatusCode::kInvalidArgument, "PropertyChangeNotAllowed",
              "Changing property '" + property + "' is not allowed.");
  EXPECT_EQ(s.target(), property);
}

class GalleryImageVersionRulesTest : public ::testing::Test {
 protected:
  GalleryImageVersionRulesTest() {
    definition_.meta.id = VersionId("1.0.0").Parent();
    definition_.meta.location = "westeurope";
    definition_.os_type = OsType::kLinux;
    definition_.os_state = OsState::kGeneralized;
    definition_.hyper_v_generation = HyperVGeneration::kV1;
    source_.meta.id = ImageId("img1");
    source_.meta.location = kLocation;
    source_.os_type = OsType::kLinux;
    source_.os_state = OsState::kGeneralized;
    source_.hyper_v_generation = HyperVGeneration::kV1;
    source_.os_disk.blob_uri = "https://acct.blob.example/vhds/os.vhd";
    source_.os_disk.disk_size_gb = 30;
    ImageDisk data;
    data.lun = 2;
    data.disk_size_gb = 8;
    data.caching = HostCaching::kReadWrite;
    source_.data_disks = {data};
  }

  Result<GalleryImageVersion> Create(const GalleryImageVersionInput& in,
                                     const std::string& name = "1.0.0") {
    return NewGalleryImageVersion(VersionId(name), in, definition_, &source_, ctx_);
  }

  // A provisioned version: southcentralus (source, 2 replicas) and eastus (common count 1), both
  // Completed; the global storage type Standard_ZRS, eastus Premium_LRS.
  GalleryImageVersion Existing() {
    GalleryImageVersionInput in = ValidInput();
    in.target_regions =
        std::vector{Target(kLocation, 2), Target("eastus", std::nullopt, "Premium_LRS")};
    in.storage_account_type = "Standard_ZRS";
    in.end_of_life = std::optional<TimestampMs>(kNow + 30 * kDay);
    in.tags = Tags{{"env", "dev"}};
    in.extra_publishing = {{"targetExtendedLocations", nlohmann::json::array()}};
    in.extra = {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", false}}}};
    Result<GalleryImageVersion> v = Create(in);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    v->replicas = {{kLocation, 0, kLocation, ReplicationState::kCompleted, {"m0"}, "", 0, 0},
                   {kLocation, 1, kLocation, ReplicationState::kCompleted, {"m1"}, "", 0, 0},
                   {"eastus", 0, "eastus", ReplicationState::kCompleted, {"m2"}, "", 0, 0}};
    v->meta.provisioning_state = ProvisioningState::kSucceeded;
    return *v;
  }

  Result<GalleryImageVersion> Update(const GalleryImageVersion& current,
                                     const GalleryImageVersionInput& in,
                                     UpdateMode mode = UpdateMode::kReplace) {
    return UpdateGalleryImageVersion(current, in, mode, ctx_);
  }

  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};
  GalleryImage definition_;
  ManagedImage source_;
};


// --- create ---

TEST_F(GalleryImageVersionRulesTest, NewVersionTargetsItsLocationWhenNoTargetsAreGiven) {
  Result<GalleryImageVersion> v = Create(ValidInput());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->target_regions.size(), 1u);
  EXPECT_EQ(v->target_regions[0].name, kLocation);
  EXPECT_EQ(v->target_regions[0].storage_account_type, "Standard_LRS");
  EXPECT_EQ(v->replica_count, 1);
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[0]), 1);
  EXPECT_TRUE(v->replicas.empty());  // planned by the service (replication/replica_plan.h)
  EXPECT_EQ(v->meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(v->published_date, kNow);
  EXPECT_EQ(v->version, (SemVer{1, 0, 0}));
}

TEST_F(GalleryImageVersionRulesTest, NewVersionTakesSourceIdAndDisksFromTheSource) {
  Result<GalleryImageVersion> v = Create(ValidInput());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->source_id, ImageId("img1").ToString());
  EXPECT_EQ(v->os_disk_image.size_in_gb, 30);
  ASSERT_EQ(v->data_disk_images.size(), 1u);
  EXPECT_EQ(v->data_disk_images[0].lun, 2);
  EXPECT_EQ(v->data_disk_images[0].host_caching, HostCaching::kReadWrite);
}

TEST_F(GalleryImageVersionRulesTest, NameMustBeMajorMinorPatch) {
  for (const char* name : {"1.0", "1.0.0.0", "a.b.c", "1.0.-1", "2147483648.0.0", ""}) {
    Status s = Create(ValidInput(), name).status();
    ExpectInvalid(s, "Major(int).Minor(int).Patch(int)");
    EXPECT_THAT(s.message(), HasSubstr(std::string("'") + name + "'"));
  }
  EXPECT_TRUE(Create(ValidInput(), "2018.12.1").ok());
}

TEST_F(GalleryImageVersionRulesTest, MissingLocationIsInvalidParameter) {
  GalleryImageVersionInput in = ValidInput();
  in.location.reset();
  ExpectInvalid(Create(in).status(), "'location'");
}

TEST_F(GalleryImageVersionRulesTest, LocationMustBeAReplicationRegion) {
  GalleryImageVersionInput in = ValidInput();
  in.location = "westcentralus";
  Status s = Create(in).status();
  ExpectError(s, StatusCode::kInvalidArgument, "LocationNotAvailableForResourceType",
              "'westcentralus'");
  EXPECT_EQ(s.target(), "location");
}

TEST_F(GalleryImageVersionRulesTest, MissingSourceIsMissingFieldNamingTheSourceField) {
  GalleryImageVersionInput in = ValidInput();
  in.source_id.reset();
  Status s = Create(in).status();
  ExpectInvalid(s, std::string("Required parameter '") + kSourceField + "' is missing");
  EXPECT_EQ(s.target(), kSourceField);
  in.source_id = "";
  Status empty = Create(in).status();
  ExpectInvalid(empty, std::string("The value of ") + kSourceField + " is empty");
  EXPECT_EQ(empty.target(), kSourceField);
}

TEST_F(GalleryImageVersionRulesTest, SourceThatDoesNotExistIsAnInvalidParameter) {
  GalleryImageVersionInput in = ValidInput();
  in.source_field = "galleryImageVersion.properties.publishingProfile.source.managedImage.id";
  Status s = NewGalleryImageVersion(VersionId("1.0.0"), in, definition_, nullptr, ctx_).status();
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
              "Source " + *in.source_id + " is not found.");
  EXPECT_EQ(s.target(), in.source_field);
}

TEST_F(GalleryImageVersionRulesTest, SourceInAnotherRegionIsRefused) {
  source_.meta.location = "eastus";
  Status s = Create(ValidInput()).status();
  ExpectInvalid(s, "is in region 'eastus'");
  EXPECT_THAT(s.message(), HasSubstr("'southcentralus'"));
  EXPECT_EQ(s.target(), kSourceField);
}

TEST_F(GalleryImageVersionRulesTest, SpecializedSourceIsRefused) {
  source_.os_state = OsState::kSpecialized;
  ExpectInvalid(Create(ValidInput()).status(),
                "Cannot create Gallery Image Version from: " + ImageId("img1").ToString());
}

TEST_F(GalleryImageVersionRulesTest, SpecializedDefinitionIsRefused) {
  definition_.os_state = OsState::kSpecialized;
  ExpectInvalid(Create(ValidInput()).status(),
                "since the OS State in the parent gallery image (Specialized)");
}

TEST_F(GalleryImageVersionRulesTest, OsTypeMismatchIsRefused) {
  source_.os_type = OsType::kWindows;
  Status s = Create(ValidInput()).status();
  ExpectInvalid(s,
                "has OS type 'Windows', different from the parent gallery image's OS type "
                "'Linux'");
}

TEST_F(GalleryImageVersionRulesTest, HyperVGenerationMismatchIsRefusedWithTheGenerationMessage) {
  source_.hyper_v_generation = HyperVGeneration::kV2;
  ExpectInvalid(Create(ValidInput()).status(),
                "has a different Hypervisor generation ['V2'] than the parent gallery image "
                "Hypervisor generation ['V1']");
}

TEST_F(GalleryImageVersionRulesTest, DuplicateRegionsAreRefusedInAnyForm) {
  for (const char* second : {"eastus", "East US", "EASTUS"}) {
    GalleryImageVersionInput in = ValidInput();
    in.target_regions = std::vector{Target(kLocation), Target("eastus"), Target(second)};
    Status s = Create(in).status();
    ExpectInvalid(s, "Duplicate regions are not allowed in target publishing regions");
    EXPECT_THAT(s.message(), HasSubstr(std::string("'") + second + "'"));
    EXPECT_EQ(s.target(), kTargets);
  }
}

TEST_F(GalleryImageVersionRulesTest, TargetsMustContainTheLocation) {
  GalleryImageVersionInput in = ValidInput();
  in.target_regions = std::vector{Target("eastus"), Target("westus")};
  Status s = Create(in).status();
  ExpectInvalid(s,
                "Gallery image version publishing profile regions 'eastus, westus' must "
                "contain the location of image version 'southcentralus'");
}

TEST_F(GalleryImageVersionRulesTest, TargetsInDisplayFormAreStoredAsShortNames) {
  GalleryImageVersionInput in = ValidInput();
  in.target_regions = std::vector{Target("South Central US"), Target("North Europe", 3)};
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->target_regions[0].name, kLocation);
  EXPECT_EQ(v->target_regions[1].name, "northeurope");
}

TEST_F(GalleryImageVersionRulesTest, RegionalReplicaCountOutOfRangeIsRefused) {
  for (int32_t count : {0, limits_.max_replica_count + 1}) {
    GalleryImageVersionInput in = ValidInput();
    in.target_regions = std::vector{Target(kLocation, count)};
    Status s = Create(in).status();
    ExpectInvalid(s, "The value " + std::to_string(count) + " of parameter " + kTargets +
                         "[0].regionalReplicaCount is out of range");
    EXPECT_EQ(s.target(), std::string(kTargets) + "[0].regionalReplicaCount");
  }
}

TEST_F(GalleryImageVersionRulesTest, RegionalReplicaCountAtTheMaximumIsAllowed) {
  GalleryImageVersionInput in = ValidInput();
  in.target_regions = std::vector{Target(kLocation, limits_.max_replica_count)};
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[0]), limits_.max_replica_count);
}

TEST_F(GalleryImageVersionRulesTest, CommonReplicaCountOutOfRangeIsRefused) {
  for (int32_t count : {0, -1, limits_.max_replica_count + 1}) {
    GalleryImageVersionInput in = ValidInput();
    in.replica_count = count;
    Status s = Create(in).status();
    ExpectInvalid(s, "The value " + std::to_string(count) + " of parameter " + kPublishing +
                         "replicaCount is out of range. The value must be between 1 and " +
                         std::to_string(limits_.max_replica_count));
  }
}

TEST_F(GalleryImageVersionRulesTest, ReplicaCountForUsesTheRegionalCountElseTheCommonOne) {
  GalleryImageVersionInput in = ValidInput();
  in.replica_count = 3;
  in.target_regions = std::vector{Target(kLocation, 5), Target("eastus")};
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[0]), 5);
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[1]), 3);
}

TEST_F(GalleryImageVersionRulesTest, TargetRegionOutsideTheReplicationRegionsIsRefused) {
  for (const char* region : {"japaneast", "westcentralus"}) {
    GalleryImageVersionInput in = ValidInput();
    in.target_regions = std::vector{Target(kLocation), Target(region)};
    Status s = Create(in).status();
    ExpectError(s, StatusCode::kInvalidArgument, "LocationNotAvailableForResourceType",
                std::string("'") + region + "'");
    EXPECT_EQ(s.target(), std::string(kTargets) + "[1].name");
  }
}

TEST_F(GalleryImageVersionRulesTest, MoreThanMaxTargetRegionsIsRefused) {
  limits_.max_target_regions = 2;
  GalleryImageVersionInput in = ValidInput();
  in.target_regions = std::vector{Target(kLocation), Target("eastus"), Target("westus")};
  ExpectInvalid(Create(in).status(), "names 3 target regions; at most 2 are allowed");
  in.target_regions->pop_back();
  EXPECT_TRUE(Create(in).ok());
}

TEST_F(GalleryImageVersionRulesTest, EmptyTargetRegionsAreRefused) {
  GalleryImageVersionInput in = ValidInput();
  in.target_regions = std::vector<TargetRegionInput>{};
  ExpectInvalid(Create(in).status(), "at least one target region");
}

TEST_F(GalleryImageVersionRulesTest, StorageAccountTypesParseCaseInsensitively) {
  GalleryImageVersionInput in = ValidInput();
  in.storage_account_type = "standard_zrs";
  in.target_regions = std::vector{Target(kLocation), Target("eastus", 1, "premium_lrs")};
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->storage_account_type, "Standard_ZRS");
  EXPECT_EQ(v->target_regions[0].storage_account_type, "Standard_ZRS");
  EXPECT_EQ(v->target_regions[1].storage_account_type, "Premium_LRS");
}

TEST_F(GalleryImageVersionRulesTest, UnknownStorageAccountTypeIsRefused) {
  GalleryImageVersionInput global = ValidInput();
  global.storage_account_type = "Cold_LRS";
  Status s = Create(global).status();
  ExpectInvalid(s, "'Cold_LRS'");
  EXPECT_EQ(s.target(), std::string(kPublishing) + "storageAccountType");
  GalleryImageVersionInput regional = ValidInput();
  regional.target_regions = std::vector{Target(kLocation, 1, "Cold_LRS")};
  ExpectInvalid(Create(regional).status(), std::string(kTargets) + "[0].storageAccountType");
}

TEST_F(GalleryImageVersionRulesTest, ReplicationModeParsesCaseInsensitively) {
  GalleryImageVersionInput in = ValidInput();
  in.replication_mode = "shallow";
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->replication_mode, "Shallow");
  in.replication_mode = "Partial";
  ExpectInvalid(Create(in).status(), "'Partial'");
}

TEST_F(GalleryImageVersionRulesTest, EndOfLifeMustLieInTheFuture) {
  GalleryImageVersionInput in = ValidInput();
  in.end_of_life = std::optional<TimestampMs>(kNow - kDay);
  Status s = Create(in).status();
  ExpectInvalid(s, "EndOfLifeDate must be set to a future date.");
  EXPECT_EQ(s.target(), std::string(kPublishing) + "endOfLifeDate");
  in.end_of_life = std::optional<TimestampMs>(kNow + kDay);
  EXPECT_TRUE(Create(in).ok());
}

TEST_F(GalleryImageVersionRulesTest, ExcludeFromLatestIsKeptPerVersionAndPerRegion) {
  GalleryImageVersionInput in = ValidInput();
  in.exclude_from_latest = true;
  TargetRegionInput east = Target("eastus");
  east.exclude_from_latest = false;
  in.target_regions = std::vector{Target(kLocation), east};
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->exclude_from_latest);
  EXPECT_FALSE(v->target_regions[0].exclude_from_latest.has_value());
  EXPECT_EQ(v->target_regions[1].exclude_from_latest, false);
}

TEST_F(GalleryImageVersionRulesTest, InvalidTagsAreRefused) {
  GalleryImageVersionInput in = ValidInput();
  in.tags = Tags{{"a>b", "v"}};
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument, "InvalidTagNameCharacters",
              "'a>b'");
}

// --- update: what may change ---

TEST_F(GalleryImageVersionRulesTest, AddingRemovingRegionsAndChangingCountsIsAllowed) {
  GalleryImageVersionInput in;
  in.target_regions = std::vector{Target(kLocation, 4), Target("westus2")};
  in.replica_count = 2;
  Result<GalleryImageVersion> v = Update(Existing(), in);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->target_regions.size(), 2u);
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[0]), 4);
  EXPECT_EQ(v->target_regions[1].name, "westus2");
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[1]), 2);
  EXPECT_EQ(v->target_regions[1].storage_account_type, "Standard_ZRS");  // the global type
  EXPECT_EQ(v->meta.provisioning_state, ProvisioningState::kUpdating);
  EXPECT_EQ(v->meta.updated_at, kNow);
}

// A request on an api-version without targetRegions[].excludeFromLatest keeps each region's;
// one that has the field clears it by leaving it out.
TEST_F(GalleryImageVersionRulesTest, ARegionsExcludeFromLatestIsKeptWhenTheApiVersionHasNone) {
  GalleryImageVersion current = Existing();
  for (TargetRegion& t : current.target_regions) {
    t.exclude_from_latest = true;
  }
  GalleryImageVersionInput in;
  TargetRegionInput older = Target(kLocation, 2);
  older.exclude_from_latest_unknown = true;
  in.target_regions = std::vector{older};
  Result<GalleryImageVersion> kept = Update(current, in);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->target_regions[0].exclude_from_latest, true);
  in.target_regions = std::vector{Target(kLocation, 2)};
  Result<GalleryImageVersion> cleared = Update(current, in);
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->target_regions[0].exclude_from_latest.has_value());
}

TEST_F(GalleryImageVersionRulesTest, RemovingTheSourceRegionIsRefused) {
  GalleryImageVersionInput in;
  in.target_regions = std::vector{Target("eastus")};
  ExpectInvalid(Update(Existing(), in).status(), "must contain the location of image version");
}

TEST_F(GalleryImageVersionRulesTest, RegionsKeepTheirStorageTypeWhenNotResent) {
  GalleryImageVersionInput in;
  in.target_regions = std::vector{Target(kLocation, 2), Target("East US", 1, "PREMIUM_LRS")};
  Result<GalleryImageVersion> v = Update(Existing(), in);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->target_regions[1].storage_account_type, "Premium_LRS");
  in.target_regions = std::vector{Target(kLocation, 2), Target("eastus")};
  v = Update(Existing(), in);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->target_regions[1].storage_account_type, "Premium_LRS");
}

TEST_F(GalleryImageVersionRulesTest, ChangingARegionsStorageTypeIsNotAllowed) {
  GalleryImageVersionInput in;
  in.target_regions = std::vector{Target(kLocation, 2), Target("eastus", 1, "Standard_LRS")};
  ExpectChangeNotAllowed(Update(Existing(), in).status(),
                         std::string(kTargets) + "[1].storageAccountType");
}

TEST_F(GalleryImageVersionRulesTest, ChangingTheGlobalStorageTypeIsNotAllowed) {
  GalleryImageVersionInput in;
  in.storage_account_type = "Premium_LRS";
  ExpectChangeNotAllowed(Update(Existing(), in).status(),
                         std::string(kPublishing) + "storageAccountType");
  in.storage_account_type = "standard_zrs";
  EXPECT_TRUE(Update(Existing(), in).ok());
}

TEST_F(GalleryImageVersionRulesTest, ChangingTheReplicationModeIsNotAllowed) {
  GalleryImageVersionInput in;
  in.replication_mode = "Shallow";
  ExpectChangeNotAllowed(Update(Existing(), in).status(),
                         std::string(kPublishing) + "replicationMode");
  in.replication_mode = "full";  // the default of a version created without one
  EXPECT_TRUE(Update(Existing(), in).ok());
}

TEST_F(GalleryImageVersionRulesTest, ShallowReplicationModeStaysShallow) {
  GalleryImageVersionInput create = ValidInput();
  create.replication_mode = "Shallow";
  Result<GalleryImageVersion> current = Create(create);
  ASSERT_TRUE(current.ok());
  GalleryImageVersionInput in;
  in.replication_mode = "SHALLOW";
  EXPECT_TRUE(Update(*current, in).ok());
  in.replication_mode = "Full";
  ExpectChangeNotAllowed(Update(*current, in).status(),
                         std::string(kPublishing) + "replicationMode");
}

TEST_F(GalleryImageVersionRulesTest, DifferentSourceIsNotAllowedNamingTheInputsSourceField) {
  GalleryImageVersionInput in;
  in.source_id = ImageId("img2").ToString();
  in.source_field = "galleryImageVersion.properties.publishingProfile.source.managedImage.id";
  ExpectChangeNotAllowed(Update(Existing(), in).status(), in.source_field);
}

TEST_F(GalleryImageVersionRulesTest, SameSourceInOtherCasingOrAbsentSourceKeepsIt) {
  GalleryImageVersionInput same;
  same.source_id = ToLower(ImageId("img1").ToString());
  Result<GalleryImageVersion> v = Update(Existing(), same);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->source_id, ImageId("img1").ToString());
  v = Update(Existing(), GalleryImageVersionInput{});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->source_id, ImageId("img1").ToString());
}

TEST_F(GalleryImageVersionRulesTest, PatchWithoutTargetsKeepsThem) {
  GalleryImageVersion current = Existing();
  Result<GalleryImageVersion> v = Update(current, GalleryImageVersionInput{}, UpdateMode::kMerge);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->target_regions.size(), 2u);
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[0]), 2);
  EXPECT_EQ(v->end_of_life, current.end_of_life);
  EXPECT_EQ(v->meta.tags, current.meta.tags);
  EXPECT_EQ(v->replicas, current.replicas);  // the rules never touch replicas
}

TEST_F(GalleryImageVersionRulesTest, PutWithoutTargetsResetsThemToTheLocation) {
  Result<GalleryImageVersion> v = Update(Existing(), GalleryImageVersionInput{});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->target_regions.size(), 1u);
  EXPECT_EQ(v->target_regions[0].name, kLocation);
  EXPECT_EQ(v->ReplicaCountFor(v->target_regions[0]), 1);
  EXPECT_EQ(v->replica_count, 1);
  EXPECT_FALSE(v->end_of_life.has_value());
  EXPECT_TRUE(v->meta.tags.empty());
}

TEST_F(GalleryImageVersionRulesTest, ExcludeFromLatestAndEndOfLifeAreUpdatable) {
  GalleryImageVersionInput in;
  in.exclude_from_latest = true;
  in.end_of_life = std::optional<TimestampMs>(kNow + 365 * kDay);
  Result<GalleryImageVersion> v = Update(Existing(), in, UpdateMode::kMerge);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->exclude_from_latest);
  EXPECT_EQ(v->end_of_life, kNow + 365 * kDay);
}

TEST_F(GalleryImageVersionRulesTest, PastEndOfLifeResentUnchangedSucceedsButChangedFails) {
  GalleryImageVersion current = Existing();
  current.end_of_life = kNow - kDay;
  GalleryImageVersionInput in;
  in.end_of_life = current.end_of_life;
  EXPECT_TRUE(Update(current, in, UpdateMode::kMerge).ok());
  in.end_of_life = std::optional<TimestampMs>(kNow - 2 * kDay);
  ExpectInvalid(Update(current, in, UpdateMode::kMerge).status(),
                "EndOfLifeDate must be set to a future date.");
}

TEST_F(GalleryImageVersionRulesTest, UpdatedReplicaCountsAreRangeChecked) {
  GalleryImageVersionInput common;
  common.replica_count = 0;
  ExpectInvalid(Update(Existing(), common, UpdateMode::kMerge).status(), "out of range");
  GalleryImageVersionInput regional;
  regional.target_regions = std::vector{Target(kLocation, limits_.max_replica_count + 1)};
  ExpectInvalid(Update(Existing(), regional).status(), "out of range");
}

TEST_F(GalleryImageVersionRulesTest, DifferentLocationIsAlreadyExistsInvalidResourceLocation) {
  GalleryImageVersionInput in;
  in.location = "eastus";
  ExpectError(Update(Existing(), in).status(), StatusCode::kAlreadyExists,
              "InvalidResourceLocation", "'eastus'");
  in.location = "South Central US";
  EXPECT_TRUE(Update(Existing(), in).ok());
}

TEST_F(GalleryImageVersionRulesTest, ChangedExtrasAreNotAllowed) {
  GalleryImageVersionInput publishing;
  publishing.extra_publishing = {{"targetExtendedLocations", {{{"name", "x"}}}}};
  ExpectChangeNotAllowed(Update(Existing(), publishing).status(),
                         std::string(kPublishing) + "targetExtendedLocations");
  GalleryImageVersionInput props;
  props.extra = {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", true}}}};
  ExpectChangeNotAllowed(Update(Existing(), props).status(),
                         "galleryImageVersion.properties.safetyProfile");
  GalleryImageVersionInput region;
  TargetRegionInput east = Target("eastus");
  east.extra = {{"encryption", {{"osDiskImage", {{"diskEncryptionSetId", "des"}}}}}};
  region.target_regions = std::vector{Target(kLocation, 2), east};
  ExpectChangeNotAllowed(Update(Existing(), region).status(),
                         std::string(kTargets) + "[1].encryption");
}

// --- disk entries of storageProfile ---

constexpr char kDataDisks[] = "galleryImageVersion.properties.storageProfile.dataDiskImages";

DataDiskImageInput DataDisk(int32_t lun, std::optional<HostCaching> caching = std::nullopt,
                            size_t index = 0) {
  return {lun, caching, std::string(kDataDisks) + "[" + std::to_string(index) + "]"};
}

TEST_F(GalleryImageVersionRulesTest, CreateSetsHostCachingOfTheImagesDisks) {
  GalleryImageVersionInput in = ValidInput();
  in.os_host_caching = HostCaching::kReadWrite;
  in.data_disk_images = std::vector{DataDisk(2, HostCaching::kNone)};
  Result<GalleryImageVersion> v = Create(in);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->os_disk_image.host_caching, HostCaching::kReadWrite);
  ASSERT_EQ(v->data_disk_images.size(), 1u);
  EXPECT_EQ(v->data_disk_images[0].host_caching, HostCaching::kNone);
}

TEST_F(GalleryImageVersionRulesTest, CreateWithALunTheImageLacksIsRefusedNamingItsLuns) {
  GalleryImageVersionInput in = ValidInput();
  in.data_disk_images = std::vector{DataDisk(2), DataDisk(7, std::nullopt, 1)};
  Status s = Create(in).status();
  ExpectInvalid(s, "The LUN 7 in " + std::string(kDataDisks) +
                       "[1].lun is not a data disk of the source image " +
                       ImageId("img1").ToString() + ": its data disks have LUNs 2.");
  EXPECT_EQ(s.target(), std::string(kDataDisks) + "[1].lun");
  in.data_disk_images = std::vector{DataDisk(2), DataDisk(2, std::nullopt, 1)};
  ExpectInvalid(Create(in).status(), "listed more than once");
  source_.data_disks.clear();
  in.data_disk_images = std::vector{DataDisk(0)};
  ExpectInvalid(Create(in).status(), "it has no data disks");
}

TEST_F(GalleryImageVersionRulesTest, UpdateMayEchoTheDisksButNotChangeThem) {
  GalleryImageVersionInput echo;
  echo.os_host_caching = HostCaching::kReadOnly;
  echo.data_disk_images = std::vector{DataDisk(2, HostCaching::kReadWrite)};
  EXPECT_TRUE(Update(Existing(), echo, UpdateMode::kMerge).ok());

  GalleryImageVersionInput os;
  os.os_host_caching = HostCaching::kReadWrite;
  ExpectChangeNotAllowed(Update(Existing(), os, UpdateMode::kMerge).status(),
                         "galleryImageVersion.properties.storageProfile.osDiskImage.hostCaching");
  GalleryImageVersionInput caching;
  caching.data_disk_images = std::vector{DataDisk(2, HostCaching::kNone)};
  ExpectChangeNotAllowed(Update(Existing(), caching, UpdateMode::kMerge).status(),
                         std::string(kDataDisks) + "[0].hostCaching");
  for (const std::vector<DataDiskImageInput>& disks :
       {std::vector{DataDisk(3)}, std::vector{DataDisk(2), DataDisk(7, std::nullopt, 1)},
        std::vector<DataDiskImageInput>{}}) {
    GalleryImageVersionInput layout;
    layout.data_disk_images = disks;
    Status s = Update(Existing(), layout, UpdateMode::kMerge).status();
    ExpectError(s, StatusCode::kInvalidArgument, "PropertyChangeNotAllowed",
                "Adding new Data Disks or changing the LUN of a Data Disk in an existing Image "
                "is not allowed: the version's data disks have LUNs 2.");
    EXPECT_EQ(s.target(), kDataDisks);
  }
}

}  // namespace
}  // namespace gallery::domain
