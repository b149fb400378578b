#include "api/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace gallery::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kSub[] = "11111111-2222-3333-4444-555555555555";
// 2025-01-01T00:00:00Z and 2030-12-31T12:59:59Z.
constexpr TimestampMs kPublished = 1735689600000;
constexpr TimestampMs kEndOfLife = 1924952399000;
constexpr char kPublishedText[] = "2025-01-01T00:00:00+00:00";
constexpr char kEndOfLifeText[] = "2030-12-31T12:59:59+00:00";

std::string GroupId() { return std::string("/subscriptions/") + kSub + "/resourceGroups/MyRg"; }
std::string ComputeId() { return GroupId() + "/providers/Microsoft.Compute"; }
std::string SourceImageId() { return ComputeId() + "/images/base"; }

ResourceId Compute(std::vector<ResourceId::Segment> segments) {
  return ResourceId::ForResource(kSub, "MyRg", "Microsoft.Compute", std::move(segments));
}

domain::TrackedResource Meta(ResourceId id) {
  domain::TrackedResource meta;
  meta.id = std::move(id);
  meta.location = "southcentralus";
  meta.tags = {{"env", "dev"}};
  meta.provisioning_state = domain::ProvisioningState::kSucceeded;
  return meta;
}

domain::Gallery MakeGallery() {
  domain::Gallery g;
  g.meta = Meta(Compute({{"galleries", "MyGallery"}}));
  g.description = "team images";
  g.unique_name = std::string(kSub) + "-MYGALLERY";
  g.extra = {{"softDeletePolicy", {{"isSoftDeleteEnabled", false}}}};
  return g;
}

domain::GalleryImage MakeImage() {
  domain::GalleryImage image;
  image.meta = Meta(Compute({{"galleries", "MyGallery"}, {"images", "Def1"}}));
  image.description = "ubuntu";
  image.os_type = domain::OsType::kLinux;
  image.os_state = domain::OsState::kSpecialized;
  image.hyper_v_generation = domain::HyperVGeneration::kV2;
  image.architecture = domain::Architecture::kArm64;
  image.identifier = {"Contoso", "Ubuntu", "22_04"};
  image.end_of_life = kEndOfLife;
  image.recommended_vcpus = {2, 8};
  image.recommended_memory = {std::nullopt, 32};
  image.extra = {{"eula", "text"}};
  return image;
}

domain::GalleryImageVersion MakeVersion() {
  domain::GalleryImageVersion v;
  v.meta = Meta(Compute({{"galleries", "MyGallery"}, {"images", "Def1"}, {"versions", "1.0.0"}}));
  v.version = {1, 0, 0};
  v.replica_count = 2;
  v.published_date = kPublished;
  v.source_id = SourceImageId();
  domain::TargetRegion own;
  own.name = "southcentralus";
  own.regional_replica_count = 3;
  own.storage_account_type = "Standard_ZRS";
  own.exclude_from_latest = true;
  own.extra = {{"encryption", {{"osDiskImage", json::object()}}}};
  domain::TargetRegion common;
  common.name = "eastus";
  common.storage_account_type = "Standard_LRS";
  v.target_regions = {own, common};
  v.os_disk_image = {std::nullopt, 30, domain::HostCaching::kReadWrite};
  v.data_disk_images = {{0, 10, domain::HostCaching::kNone}};
  // southcentralus: 3 replicas, all done; eastus: 1 replica, being copied.
  for (int32_t i = 0; i < 3; ++i) {
    v.replicas.push_back({"southcentralus", i, "southcentralus",
                          domain::ReplicationState::kCompleted, {"m"}, "", 0, 0});
  }
  v.replicas.push_back(
      {"eastus", 0, "eastus", domain::ReplicationState::kReplicating, {}, "", 0, 0});
  v.extra_publishing = {{"targetExtendedLocations", json::array()}};
  v.extra = {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", true}}}};
  return v;
}

domain::ManagedImage MakeManagedImage() {
  domain::ManagedImage m;
  m.meta = Meta(Compute({{"images", "base"}}));
  m.os_type = domain::OsType::kWindows;
  m.os_state = domain::OsState::kGeneralized;
  m.hyper_v_generation = domain::HyperVGeneration::kV2;
  m.os_disk.blob_uri = "https://acct.blob.core.windows.net/vhds/os.vhd";
  m.os_disk.caching = domain::HostCaching::kReadWrite;
  m.os_disk.disk_size_gb = 30;
  m.os_disk.storage_account_type = "Premium_LRS";
  domain::ImageDisk data;
  data.lun = 1;
  data.snapshot_id = ComputeId() + "/snapshots/snap1";
  m.data_disks = {data};
  m.zone_resilient = true;
  return m;
}

void ExpectStatus(const Status& s, StatusCode code, const std::string& reason,
                  const std::string& target) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.reason(), reason) << s.ToString();
  EXPECT_EQ(s.target(), target) << s.ToString();
}

void ExpectBadContent(const Status& s, const std::string& target) {
  ExpectStatus(s, StatusCode::kInvalidArgument, "InvalidRequestContent", target);
}

class WireVersionTest : public ::testing::Test {
 protected:
  json Out(std::string api_version, bool expand = false) const {
    WireOptions options;
    options.api_version = std::move(api_version);
    options.expand_replication_status = expand;
    options.regions = &regions_;
    options.live_replication = &live_;
    return ToWire(MakeVersion(), options);
  }

  // eastus is 40% through 1000 bytes at 100 bytes/s.
  LiveReplicationOf live_ = [](const ResourceId&, const std::string& region)
      -> std::optional<domain::LiveReplication> {
    if (region == "eastus") {
      return domain::LiveReplication{400, 1000, 100.0};
    }
    return std::nullopt;
  };

  domain::RegionCatalog regions_ = domain::RegionCatalog::Default();
};

// ================================ ToWire ================================

TEST(WireTest, ApiVersionBeforeComparesTheDatePart) {
  EXPECT_TRUE(ApiVersionBefore("2018-06-01", "2019-07-01"));
  EXPECT_TRUE(ApiVersionBefore("2019-03-01", "2019-07-01"));
  EXPECT_FALSE(ApiVersionBefore("2019-07-01", "2019-07-01"));
  EXPECT_FALSE(ApiVersionBefore("2019-07-01-preview", "2019-07-01"));
  EXPECT_FALSE(ApiVersionBefore("2022-03-03", "2019-07-01"));
}

TEST(WireTest, SubscriptionHasTheFieldsAzureCliReads) {
  domain::Subscription s;
  s.id = kSub;
  s.tenant_id = "tenant-1";
  s.display_name = "Dev";
  json out = ToWire(s);
  EXPECT_EQ(out["id"], std::string("/subscriptions/") + kSub);
  EXPECT_EQ(out["subscriptionId"], kSub);
  EXPECT_EQ(out["tenantId"], "tenant-1");
  EXPECT_EQ(out["displayName"], "Dev");
  EXPECT_EQ(out["state"], "Enabled");
}

TEST(WireTest, ResourceGroupHasTheEnvelope) {
  domain::ResourceGroup g;
  g.meta = Meta(ResourceId::ForResourceGroup(kSub, "MyRg"));
  json out = ToWire(g);
  EXPECT_EQ(out["id"], GroupId());
  EXPECT_EQ(out["name"], "MyRg");
  EXPECT_EQ(out["type"], "Microsoft.Resources/resourceGroups");
  EXPECT_EQ(out["location"], "southcentralus");
  EXPECT_EQ(out["tags"], (json{{"env", "dev"}}));
  EXPECT_EQ(out["properties"]["provisioningState"], "Succeeded");
}

TEST(WireTest, ResourceGroupBeingCreatedOrUpdatedShowsSucceeded) {
  domain::ResourceGroup g;
  g.meta = Meta(ResourceId::ForResourceGroup(kSub, "MyRg"));
  for (auto state : {domain::ProvisioningState::kCreating, domain::ProvisioningState::kUpdating}) {
    g.meta.provisioning_state = state;
    EXPECT_EQ(ToWire(g)["properties"]["provisioningState"], "Succeeded");
  }
  g.meta.provisioning_state = domain::ProvisioningState::kDeleting;
  EXPECT_EQ(ToWire(g)["properties"]["provisioningState"], "Deleting");
}

TEST(WireTest, GalleryHasEnvelopeDescriptionUniqueNameAndExtras) {
  json out = ToWire(MakeGallery());
  EXPECT_EQ(out["id"], ComputeId() + "/galleries/MyGallery");
  EXPECT_EQ(out["name"], "MyGallery");
  EXPECT_EQ(out["type"], "Microsoft.Compute/galleries");
  EXPECT_EQ(out["location"], "southcentralus");
  EXPECT_EQ(out["tags"], (json{{"env", "dev"}}));
  const json& props = out["properties"];
  EXPECT_EQ(props["provisioningState"], "Succeeded");
  EXPECT_EQ(props["description"], "team images");
  EXPECT_EQ(props["identifier"], (json{{"uniqueName", std::string(kSub) + "-MYGALLERY"}}));
  EXPECT_EQ(props["softDeletePolicy"], (json{{"isSoftDeleteEnabled", false}}));
}

TEST(WireTest, EmptyTagsAndDescriptionAreAnEmptyObjectAndAbsent) {
  domain::Gallery g = MakeGallery();
  g.meta.tags.clear();
  g.description.clear();
  g.meta.provisioning_state = domain::ProvisioningState::kCreating;
  json out = ToWire(g);
  EXPECT_EQ(out["tags"], json::object());
  EXPECT_FALSE(out["properties"].contains("description"));
  EXPECT_EQ(out["properties"]["provisioningState"], "Creating");
}

TEST(WireTest, GalleryImageHasDefinitionFields) {
  json out = ToWire(MakeImage());
  EXPECT_EQ(out["id"], ComputeId() + "/galleries/MyGallery/images/Def1");
  EXPECT_EQ(out["name"], "Def1");
  EXPECT_EQ(out["type"], "Microsoft.Compute/galleries/images");
  const json& props = out["properties"];
  EXPECT_EQ(props["provisioningState"], "Succeeded");
  EXPECT_EQ(props["description"], "ubuntu");
  EXPECT_EQ(props["identifier"],
            (json{{"publisher", "Contoso"}, {"offer", "Ubuntu"}, {"sku", "22_04"}}));
  EXPECT_EQ(props["osType"], "Linux");
  EXPECT_EQ(props["osState"], "Specialized");
  EXPECT_EQ(props["hyperVGeneration"], "V2");
  EXPECT_EQ(props["architecture"], "Arm64");
  EXPECT_EQ(props["endOfLifeDate"], kEndOfLifeText);
  EXPECT_EQ(props["recommended"],
            (json{{"vCPUs", {{"min", 2}, {"max", 8}}}, {"memory", {{"max", 32}}}}));
  EXPECT_EQ(props["eula"], "text");
}

TEST(WireTest, GalleryImageWithoutOptionalsOmitsThem) {
  domain::GalleryImage image = MakeImage();
  image.architecture.reset();
  image.end_of_life.reset();
  image.recommended_vcpus = {};
  image.recommended_memory = {};
  const json props = ToWire(image)["properties"];
  EXPECT_FALSE(props.contains("architecture"));
  EXPECT_FALSE(props.contains("endOfLifeDate"));
  EXPECT_FALSE(props.contains("recommended"));
}

TEST_F(WireVersionTest, VersionHasEnvelopeAndPublishingProfile) {
  json out = Out("2022-03-03");
  EXPECT_EQ(out["id"], ComputeId() + "/galleries/MyGallery/images/Def1/versions/1.0.0");
  EXPECT_EQ(out["name"], "1.0.0");
  EXPECT_EQ(out["type"], "Microsoft.Compute/galleries/images/versions");
  EXPECT_EQ(out["location"], "southcentralus");
  const json& props = out["properties"];
  EXPECT_EQ(props["provisioningState"], "Succeeded");
  const json& publishing = props["publishingProfile"];
  EXPECT_EQ(publishing["replicaCount"], 2);
  EXPECT_EQ(publishing["publishedDate"], kPublishedText);
  EXPECT_EQ(publishing["excludeFromLatest"], false);
  EXPECT_EQ(publishing["storageAccountType"], "Standard_LRS");
  EXPECT_EQ(publishing["targetExtendedLocations"], json::array());
  EXPECT_EQ(props["safetyProfile"], (json{{"allowDeletionOfReplicatedLocations", true}}));
}

TEST_F(WireVersionTest, TargetRegionsShowDisplayNamesAndEffectiveReplicaCounts) {
  const json targets = Out("2022-03-03")["properties"]["publishingProfile"]["targetRegions"];
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0]["name"], "South Central US");
  EXPECT_EQ(targets[0]["regionalReplicaCount"], 3);
  EXPECT_EQ(targets[0]["storageAccountType"], "Standard_ZRS");
  EXPECT_EQ(targets[0]["excludeFromLatest"], true);
  EXPECT_EQ(targets[0]["encryption"], (json{{"osDiskImage", json::object()}}));
  EXPECT_EQ(targets[1]["name"], "East US");
  EXPECT_EQ(targets[1]["regionalReplicaCount"], 2) << "no own count: the common replicaCount";
  EXPECT_FALSE(targets[1].contains("excludeFromLatest"));
}

TEST(WireTest, TargetRegionsWithoutACatalogShowTheShortName) {
  const json targets = ToWire(
      MakeVersion(), WireOptions{"2022-03-03"})["properties"]["publishingProfile"]["targetRegions"];
  EXPECT_EQ(targets[0]["name"], "southcentralus");
}

TEST_F(WireVersionTest, From20190701TheSourceIsStorageProfileSourceId) {
  for (const char* api : {"2019-07-01", "2022-03-03", "2025-03-03"}) {
    const json props = Out(api)["properties"];
    EXPECT_EQ(props["storageProfile"]["source"], (json{{"id", SourceImageId()}})) << api;
    EXPECT_FALSE(props["publishingProfile"].contains("source")) << api;
  }
}

TEST_F(WireVersionTest, Before20190701TheSourceIsPublishingProfileSourceManagedImageId) {
  for (const char* api : {"2018-06-01", "2019-03-01"}) {
    const json props = Out(api)["properties"];
    EXPECT_EQ(props["publishingProfile"]["source"],
              (json{{"managedImage", {{"id", SourceImageId()}}}}))
        << api;
    EXPECT_FALSE(props["storageProfile"].contains("source")) << api;
  }
}

TEST_F(WireVersionTest, StorageProfileShowsDiskImages) {
  const json storage = Out("2022-03-03")["properties"]["storageProfile"];
  EXPECT_EQ(storage["osDiskImage"], (json{{"sizeInGB", 30}, {"hostCaching", "ReadWrite"}}));
  EXPECT_EQ(storage["dataDiskImages"],
            json::array({{{"sizeInGB", 10}, {"hostCaching", "None"}, {"lun", 0}}}));
}

TEST_F(WireVersionTest, ReplicationStatusOnlyWithExpand) {
  EXPECT_FALSE(Out("2022-03-03")["properties"].contains("replicationStatus"));
  const json status = Out("2022-03-03", true)["properties"]["replicationStatus"];
  EXPECT_EQ(status["aggregatedState"], "InProgress");
  ASSERT_EQ(status["summary"].size(), 2u);
  EXPECT_EQ(status["summary"][0], (json{{"region", "South Central US"},
                                        {"state", "Completed"},
                                        {"details", ""},
                                        {"progress", 100},
                                        {"replicasCompleted", 3},
                                        {"replicasTotal", 3}}));
  EXPECT_EQ(status["summary"][1], (json{{"region", "East US"},
                                        {"state", "Replicating"},
                                        {"details", ""},
                                        {"progress", 40},
                                        {"replicasCompleted", 0},
                                        {"replicasTotal", 2},
                                        {"bytesDone", 400},
                                        {"bytesTotal", 1000},
                                        {"bytesPerSecond", 100},
                                        {"etaSeconds", 6}}));
}

TEST(WireTest, VersionEndOfLifeAndReplicationModeAppearWhenSet) {
  domain::GalleryImageVersion v = MakeVersion();
  json publishing = ToWire(v, WireOptions{"2022-03-03"})["properties"]["publishingProfile"];
  EXPECT_FALSE(publishing.contains("endOfLifeDate"));
  EXPECT_FALSE(publishing.contains("replicationMode"));
  v.end_of_life = kEndOfLife;
  v.replication_mode = "Shallow";
  publishing = ToWire(v, WireOptions{"2022-03-03"})["properties"]["publishingProfile"];
  EXPECT_EQ(publishing["endOfLifeDate"], kEndOfLifeText);
  EXPECT_EQ(publishing["replicationMode"], "Shallow");
}

TEST(WireTest, ManagedImageHasStorageProfileOsDiskFields) {
  json out = ToWire(MakeManagedImage());
  EXPECT_EQ(out["id"], ComputeId() + "/images/base");
  EXPECT_EQ(out["name"], "base");
  EXPECT_EQ(out["type"], "Microsoft.Compute/images");
  const json& props = out["properties"];
  EXPECT_EQ(props["provisioningState"], "Succeeded");
  EXPECT_EQ(props["hyperVGeneration"], "V2");
  const json& storage = props["storageProfile"];
  EXPECT_EQ(storage["osDisk"], (json{{"osType", "Windows"},
                                     {"osState", "Generalized"},
                                     {"blobUri", "https://acct.blob.core.windows.net/vhds/os.vhd"},
                                     {"caching", "ReadWrite"},
                                     {"diskSizeGB", 30},
                                     {"storageAccountType", "Premium_LRS"}}));
  EXPECT_EQ(storage["dataDisks"],
            json::array({{{"lun", 1}, {"snapshot", {{"id", ComputeId() + "/snapshots/snap1"}}}}}));
  EXPECT_EQ(storage["zoneResilient"], true);
}

TEST(WireTest, ManagedImageFromAManagedDiskShowsItsId) {
  domain::ManagedImage m = MakeManagedImage();
  m.os_disk = {};
  m.os_disk.managed_disk_id = ComputeId() + "/disks/d1";
  const json os_disk = ToWire(m)["properties"]["storageProfile"]["osDisk"];
  EXPECT_EQ(os_disk["managedDisk"], (json{{"id", ComputeId() + "/disks/d1"}}));
  EXPECT_FALSE(os_disk.contains("blobUri"));
  EXPECT_FALSE(os_disk.contains("diskSizeGB"));
}

TEST(WireTest, QuotaUsageHasUnitValuesAndName) {
  domain::QuotaUsage usage{domain::QuotaKind::kGalleries, "galleries", "Galleries", 3, 100};
  EXPECT_EQ(ToWire(usage),
            (json{{"unit", "Count"},
                  {"currentValue", 3},
                  {"limit", 100},
                  {"name", {{"value", "galleries"}, {"localizedValue", "Galleries"}}}}));
}

TEST(WireTest, InProgressOperationHasNoEndTimeOrError) {
  domain::Operation op;
  op.id = "op-1";
  op.start_time = kPublished;
  EXPECT_EQ(OperationStatusToWire(op),
            (json{{"name", "op-1"}, {"status", "InProgress"}, {"startTime", kPublishedText}}));
}

TEST(WireTest, SucceededOperationHasEndTimeAndNoError) {
  domain::Operation op;
  op.id = "op-1";
  op.status = domain::OperationStatus::kSucceeded;
  op.start_time = kPublished;
  op.end_time = kPublished + 1500;
  EXPECT_EQ(OperationStatusToWire(op), (json{{"name", "op-1"},
                                             {"status", "Succeeded"},
                                             {"startTime", kPublishedText},
                                             {"endTime", "2025-01-01T00:00:01.500+00:00"}}));
}

TEST(WireTest, FailedOperationHasEndTimeAndError) {
  domain::Operation op;
  op.id = "op-1";
  op.status = domain::OperationStatus::kFailed;
  op.start_time = kPublished;
  op.end_time = kPublished;
  op.error_code = "ReplicationFailed";
  op.error_message = "eastus failed";
  json out = OperationStatusToWire(op);
  EXPECT_EQ(out["status"], "Failed");
  EXPECT_EQ(out["endTime"], kPublishedText);
  EXPECT_EQ(out["error"], (json{{"code", "ReplicationFailed"}, {"message", "eastus failed"}}));
}

// ================================ FromWire ================================

TEST(WireFromTest, ResourceGroupReadsLocationAndTags) {
  Result<domain::ResourceGroupInput> in =
      ResourceGroupFromWire({{"location", "eastus2"}, {"tags", {{"a", "b"}}}});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->location, std::optional<std::string>("eastus2"));
  EXPECT_EQ(in->tags, std::optional<domain::Tags>(domain::Tags{{"a", "b"}}));
}

TEST(WireFromTest, ResourceGroupWithWrongTypesIsInvalidRequestContent) {
  ExpectBadContent(ResourceGroupFromWire({{"location", 5}}).status(), "location");
  ExpectBadContent(ResourceGroupFromWire({{"tags", "x"}}).status(), "tags");
}

TEST(WireFromTest, GalleryReadsDescriptionAndKeepsUnknownPropertiesAsExtras) {
  Result<domain::GalleryInput> in = GalleryFromWire(
      {{"location", "eastus2"},
       {"tags", {{"a", "b"}}},
       {"properties", {{"description", "d"}, {"sharingProfile", {{"permissions", "Private"}}}}}});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->location, std::optional<std::string>("eastus2"));
  EXPECT_EQ(in->description, std::optional<std::string>("d"));
  EXPECT_EQ(in->extra, (json{{"sharingProfile", {{"permissions", "Private"}}}}));
}

TEST(WireFromTest, GalleryEchoedReadOnlyFieldsAreNotExtras) {
  Result<domain::GalleryInput> in = GalleryFromWire(json::parse(R"({
    "properties": {"provisioningState": "Succeeded",
                   "identifier": {"uniqueName": "sub-GAL"},
                   "sharingStatus": {"aggregatedState": "Succeeded"}}})"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->extra, json::object());
}

TEST(WireFromTest, GalleryGetBodyPutBackHasOnlyTheStoredExtras) {
  Result<domain::GalleryInput> in = GalleryFromWire(ToWire(MakeGallery()));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->extra, MakeGallery().extra);
  EXPECT_EQ(in->description, std::optional<std::string>("team images"));
  EXPECT_EQ(in->tags, std::optional<domain::Tags>(MakeGallery().meta.tags));
}

TEST(WireFromTest, GalleryWithoutPropertiesHasNoDescription) {
  Result<domain::GalleryInput> in = GalleryFromWire({{"location", "eastus2"}});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_FALSE(in->description.has_value());
  EXPECT_EQ(in->extra, json::object());
}

TEST(WireFromTest, GalleryWithWrongTypesNamesTheField) {
  ExpectBadContent(GalleryFromWire({{"properties", "x"}}).status(), "gallery.properties");
  ExpectBadContent(GalleryFromWire({{"properties", {{"description", 1}}}}).status(),
                   "gallery.properties.description");
}

TEST(WireFromTest, GalleryImageReadsEveryField) {
  Result<domain::GalleryImageInput> in = GalleryImageFromWire(json::parse(R"({
    "location": "eastus2",
    "properties": {
      "description": "d", "osType": "linux", "osState": "generalized",
      "hyperVGeneration": "v2", "architecture": "x64",
      "identifier": {"publisher": "P", "offer": "O", "sku": "S"},
      "endOfLifeDate": "2030-12-31T12:59:59Z",
      "recommended": {"vCPUs": {"min": 1, "max": 4}, "memory": {"max": 16}},
      "eula": "text"
    }})"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->description, std::optional<std::string>("d"));
  EXPECT_EQ(in->os_type, domain::OsType::kLinux);
  EXPECT_EQ(in->os_state, domain::OsState::kGeneralized);
  EXPECT_EQ(in->hyper_v_generation, domain::HyperVGeneration::kV2);
  EXPECT_EQ(in->architecture, domain::Architecture::kX64);
  ASSERT_TRUE(in->identifier.has_value());
  EXPECT_EQ(in->identifier->publisher, "P");
  EXPECT_EQ(in->identifier->offer, "O");
  EXPECT_EQ(in->identifier->sku, "S");
  ASSERT_TRUE(in->end_of_life.has_value());
  EXPECT_EQ(*in->end_of_life, std::optional<TimestampMs>(kEndOfLife));
  EXPECT_EQ(in->recommended_vcpus, (domain::ResourceRange{1, 4}));
  EXPECT_EQ(in->recommended_memory, (domain::ResourceRange{std::nullopt, 16}));
  EXPECT_EQ(in->extra, (json{{"eula", "text"}}));
}

TEST(WireFromTest, GalleryImageGetBodyPutBackHasOnlyTheStoredExtras) {
  Result<domain::GalleryImageInput> in = GalleryImageFromWire(ToWire(MakeImage()));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->extra, MakeImage().extra);
  EXPECT_EQ(in->os_state, domain::OsState::kSpecialized);
  EXPECT_EQ(in->recommended_memory, MakeImage().recommended_memory);
}

TEST(WireFromTest, GalleryImageNullEndOfLifeClearsIt) {
  Result<domain::GalleryImageInput> in =
      GalleryImageFromWire({{"properties", {{"endOfLifeDate", nullptr}}}});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  ASSERT_TRUE(in->end_of_life.has_value());
  EXPECT_FALSE(in->end_of_life->has_value());
}

TEST(WireFromTest, GalleryImageIdentifierMissingAPartIsInvalidParameter) {
  Result<domain::GalleryImageInput> in = GalleryImageFromWire(
      {{"properties", {{"identifier", {{"publisher", "P"}, {"offer", "O"}}}}}});
  ASSERT_FALSE(in.ok());
  ExpectStatus(in.status(), StatusCode::kInvalidArgument, "InvalidParameter",
               "galleryImage.properties.identifier.sku");
}

TEST(WireFromTest, GalleryImageWithWrongTypesNamesTheField) {
  ExpectBadContent(GalleryImageFromWire({{"properties", {{"osType", 1}}}}).status(),
                   "galleryImage.properties.osType");
  ExpectBadContent(
      GalleryImageFromWire({{"properties", {{"identifier", {{"publisher", true}}}}}}).status(),
      "galleryImage.properties.identifier.publisher");
  ExpectBadContent(
      GalleryImageFromWire({{"properties", {{"recommended", {{"vCPUs", {{"min", "x"}}}}}}}})
          .status(),
      "galleryImage.properties.recommended.vCPUs.min");
  ExpectBadContent(GalleryImageFromWire({{"properties", {{"endOfLifeDate", 5}}}}).status(),
                   "galleryImage.properties.endOfLifeDate");
}

TEST(WireFromTest, GalleryImageUnknownEnumValueIsInvalidParameter) {
  Result<domain::GalleryImageInput> in =
      GalleryImageFromWire({{"properties", {{"osType", "BeOS"}}}});
  ASSERT_FALSE(in.ok());
  ExpectStatus(in.status(), StatusCode::kInvalidArgument, "InvalidParameter",
               "galleryImage.properties.osType");
}

TEST(WireFromTest, VersionReadsStorageProfileSourceId) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      {{"properties", {{"storageProfile", {{"source", {{"id", SourceImageId()}}}}}}}},
      "2022-03-03");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->source_id, std::optional<std::string>(SourceImageId()));
  EXPECT_EQ(in->source_field, "galleryImageVersion.properties.storageProfile.source.id");
}

TEST(WireFromTest, VersionReadsLegacyPublishingProfileSourceManagedImageId) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      {{"properties",
        {{"publishingProfile", {{"source", {{"managedImage", {{"id", SourceImageId()}}}}}}}}}},
      "2018-06-01");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->source_id, std::optional<std::string>(SourceImageId()));
  EXPECT_EQ(in->source_field,
            "galleryImageVersion.properties.publishingProfile.source.managedImage.id");
  EXPECT_EQ(in->extra_publishing, json::object());
}

TEST(WireFromTest, VersionEmptyStorageProfileLeavesTheSourceAbsent) {
  for (const char* api : {"2018-06-01", "2022-03-03"}) {
    Result<domain::GalleryImageVersionInput> in =
        GalleryImageVersionFromWire({{"properties", {{"storageProfile", json::object()}}}}, api);
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    EXPECT_FALSE(in->source_id.has_value()) << api;
  }
}

TEST(WireFromTest, VersionReadsPublishingProfileAndTargetRegions) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(json::parse(R"({
    "location": "southcentralus",
    "tags": {"a": "b"},
    "properties": {"publishingProfile": {
      "targetRegions": [
        {"name": "East US", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS",
         "excludeFromLatest": "true", "encryption": {"x": 1}},
        {"name": "westus"}],
      "replicaCount": "3", "excludeFromLatest": false, "endOfLifeDate": null,
      "storageAccountType": "Premium_LRS", "replicationMode": "Shallow",
      "targetExtendedLocations": []}}})"),
                                                                            "2022-03-03");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->location, std::optional<std::string>("southcentralus"));
  ASSERT_TRUE(in->target_regions.has_value());
  ASSERT_EQ(in->target_regions->size(), 2u);
  const domain::TargetRegionInput& first = (*in->target_regions)[0];
  EXPECT_EQ(first.name, "East US");
  EXPECT_EQ(first.regional_replica_count, std::optional<int32_t>(2));
  EXPECT_EQ(first.storage_account_type, std::optional<std::string>("Standard_ZRS"));
  EXPECT_EQ(first.exclude_from_latest, std::optional<bool>(true));
  EXPECT_EQ(first.extra, (json{{"encryption", {{"x", 1}}}}));
  EXPECT_FALSE((*in->target_regions)[1].regional_replica_count.has_value());
  EXPECT_EQ(in->replica_count, std::optional<int32_t>(3));
  EXPECT_EQ(in->exclude_from_latest, std::optional<bool>(false));
  ASSERT_TRUE(in->end_of_life.has_value());
  EXPECT_FALSE(in->end_of_life->has_value());
  EXPECT_EQ(in->storage_account_type, std::optional<std::string>("Premium_LRS"));
  EXPECT_EQ(in->replication_mode, std::optional<std::string>("Shallow"));
  EXPECT_EQ(in->extra_publishing, (json{{"targetExtendedLocations", json::array()}}));
  EXPECT_FALSE(in->source_id.has_value());
}

TEST(WireFromTest, VersionEchoedReadOnlyFieldsAreNotExtras) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(json::parse(R"({
    "properties": {
      "provisioningState": "Succeeded",
      "publishingProfile": {"publishedDate": "2025-01-01T00:00:00+00:00"},
      "storageProfile": {"osDiskImage": {"sizeInGB": 30, "hostCaching": "ReadOnly"}},
      "replicationStatus": {"aggregatedState": "Completed", "summary": []}}})"),
                                                                            "2022-03-03");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->extra, json::object());
  EXPECT_EQ(in->extra_publishing, json::object());
}

TEST(WireFromTest, VersionUnknownPropertiesAreKeptAsExtras) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      {{"properties",
        {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", true}}},
         {"publishingProfile", {{"targetExtendedLocations", json::array()}}}}}},
      "2022-03-03");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->extra, (json{{"safetyProfile", {{"allowDeletionOfReplicatedLocations", true}}}}));
  EXPECT_EQ(in->extra_publishing, (json{{"targetExtendedLocations", json::array()}}));
}

TEST_F(WireVersionTest, VersionGetBodyPutBackHasOnlyTheStoredExtras) {
  for (const char* api : {"2018-06-01", "2022-03-03"}) {
    Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(Out(api, true), api);
    ASSERT_TRUE(in.ok()) << api << ": " << in.status().ToString();
    EXPECT_EQ(in->extra, MakeVersion().extra) << api;
    EXPECT_EQ(in->extra_publishing, MakeVersion().extra_publishing) << api;
    EXPECT_EQ(in->source_id, std::optional<std::string>(SourceImageId())) << api;
    EXPECT_EQ(in->replica_count, std::optional<int32_t>(2)) << api;
    ASSERT_TRUE(in->target_regions.has_value()) << api;
    EXPECT_EQ((*in->target_regions)[0].extra, MakeVersion().target_regions[0].extra) << api;
  }
}

TEST(WireFromTest, VersionWithWrongTypesNamesTheField) {
  ExpectBadContent(
      GalleryImageVersionFromWire(
          {{"properties", {{"publishingProfile", {{"replicaCount", "x"}}}}}}, "2022-03-03")
          .status(),
      "galleryImageVersion.properties.publishingProfile.replicaCount");
  ExpectBadContent(
      GalleryImageVersionFromWire(
          {{"properties", {{"publishingProfile", {{"targetRegions", {{{"name", "eastus"}}, 7}}}}}}},
          "2022-03-03")
          .status(),
      "galleryImageVersion.properties.publishingProfile.targetRegions[1]");
  ExpectBadContent(
      GalleryImageVersionFromWire(
          {{"properties",
            {{"publishingProfile",
              {{"targetRegions",
                {{{"name", "eastus"}}, {{"name", "westus"}, {"regionalReplicaCount", "two"}}}}}}}}},
          "2022-03-03")
          .status(),
      "galleryImageVersion.properties.publishingProfile.targetRegions[1].regionalReplicaCount");
  ExpectBadContent(
      GalleryImageVersionFromWire({{"properties", {{"storageProfile", {{"source", {{"id", 5}}}}}}}},
                                  "2022-03-03")
          .status(),
      "galleryImageVersion.properties.storageProfile.source.id");
  ExpectBadContent(
      GalleryImageVersionFromWire(
          {{"properties", {{"publishingProfile", {{"source", {{"managedImage", "x"}}}}}}}},
          "2018-06-01")
          .status(),
      "galleryImageVersion.properties.publishingProfile.source.managedImage");
}

TEST(WireFromTest, VersionTargetRegionWithoutNameIsInvalidParameter) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      {{"properties",
        {{"publishingProfile", {{"targetRegions", {{{"regionalReplicaCount", 1}}}}}}}}},
      "2022-03-03");
  ASSERT_FALSE(in.ok());
  ExpectStatus(in.status(), StatusCode::kInvalidArgument, "InvalidParameter",
               "galleryImageVersion.properties.publishingProfile.targetRegions[0].name");
}

TEST(WireFromTest, VersionDiskLevelSourceIsInvalidParameter) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      {{"properties",
        {{"storageProfile", {{"osDiskImage", {{"source", {{"id", ComputeId() + "/disks/d"}}}}}}}}}},
      "2022-03-03");
  ASSERT_FALSE(in.ok());
  ExpectStatus(in.status(), StatusCode::kInvalidArgument, "InvalidParameter",
               "galleryImageVersion.properties.storageProfile.osDiskImage.source");
}

TEST(WireFromTest, VersionDataDiskSourceIsRefusedNotIgnored) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      json::parse(R"({"properties": {"storageProfile": {
        "source": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/i"},
        "dataDiskImages": [{"lun": 0, "source": {"id": "/x/snapshots/snap1"}}]}}})"),
      "2022-03-03");
  ASSERT_FALSE(in.ok());
  ExpectStatus(in.status(), StatusCode::kInvalidArgument, "InvalidParameter",
               "galleryImageVersion.properties.storageProfile.dataDiskImages[0].source");
}

TEST(WireFromTest, VersionReadsDiskCachingAndDataDiskLuns) {
  Result<domain::GalleryImageVersionInput> in = GalleryImageVersionFromWire(
      json::parse(R"({"properties": {"storageProfile": {
        "osDiskImage": {"sizeInGB": 30, "hostCaching": "readwrite"},
        "dataDiskImages": [{"lun": 1, "sizeInGB": 8}, {"lun": 3, "hostCaching": "None"}]}}})"),
      "2022-03-03");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->os_host_caching, domain::HostCaching::kReadWrite);
  ASSERT_TRUE(in->data_disk_images.has_value());
  ASSERT_EQ(in->data_disk_images->size(), 2u);
  EXPECT_EQ((*in->data_disk_images)[0].lun, 1);
  EXPECT_EQ((*in->data_disk_images)[0].host_caching, std::nullopt);
  EXPECT_EQ((*in->data_disk_images)[1].lun, 3);
  EXPECT_EQ((*in->data_disk_images)[1].host_caching, domain::HostCaching::kNone);
  EXPECT_EQ((*in->data_disk_images)[1].field,
            "galleryImageVersion.properties.storageProfile.dataDiskImages[1]");

  Result<domain::GalleryImageVersionInput> no_lun = GalleryImageVersionFromWire(
      json::parse(R"({"properties": {"storageProfile": {"dataDiskImages": [{"sizeInGB": 8}]}}})"),
      "2022-03-03");
  ASSERT_FALSE(no_lun.ok());
  EXPECT_EQ(no_lun.status().target(),
            "galleryImageVersion.properties.storageProfile.dataDiskImages[0].lun");
}

TEST(WireFromTest, VersionStorageStrategyIsExclusiveWithTheTypeAndChecked) {
  auto read = [](const json& publishing) {
    return GalleryImageVersionFromWire({{"properties", {{"publishingProfile", publishing}}}},
                                       "2025-03-03");
  };
  Result<domain::GalleryImageVersionInput> both = read(
      {{"storageAccountType", "Standard_LRS"}, {"storageAccountStrategy", "PreferStandard_ZRS"}});
  ASSERT_FALSE(both.ok());
  ExpectStatus(both.status(), StatusCode::kInvalidArgument, "InvalidParameter",
               "galleryImageVersion.properties.publishingProfile.storageAccountStrategy");
  EXPECT_EQ(both.status().message(),
            "Only one of galleryImageVersion.properties.publishingProfile.storageAccountType and "
            "galleryImageVersion.properties.publishingProfile.storageAccountStrategy may be "
            "given: both choose the replicas' storage.");
  Result<domain::GalleryImageVersionInput> bad = read({{"storageAccountStrategy", "Fastest"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("'Fastest'"));
  Result<domain::GalleryImageVersionInput> ok =
      read({{"storageAccountStrategy", "DefaultStandard_LRS"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->extra_publishing, (json{{"storageAccountStrategy", "DefaultStandard_LRS"}}));
}

TEST(WireFromTest, GalleryIdentityIsRefusedUnlessNone) {
  Result<domain::GalleryInput> system = GalleryFromWire(
      {{"location", "southcentralus"}, {"identity", {{"type", "SystemAssigned"}}}});
  ASSERT_FALSE(system.ok());
  ExpectStatus(system.status(), StatusCode::kInvalidArgument, "InvalidParameter", "identity.type");
  EXPECT_THAT(system.status().message(), HasSubstr("'SystemAssigned'"));
  EXPECT_TRUE(
      GalleryFromWire({{"location", "southcentralus"}, {"identity", {{"type", "none"}}}}).ok());
  EXPECT_TRUE(GalleryFromWire({{"location", "southcentralus"}}).ok());
}

TEST(WireFromTest, ManagedImageReadsStorageProfile) {
  Result<domain::ManagedImageInput> in = ManagedImageFromWire(json::parse(R"({
    "location": "eastus2",
    "properties": {
      "hyperVGeneration": "V2",
      "storageProfile": {
        "osDisk": {"osType": "windows", "osState": "Generalized",
                   "blobUri": "https://a/b.vhd", "caching": "ReadWrite", "diskSizeGB": 30,
                   "storageAccountType": "Premium_LRS", "diskEncryptionSet": {"id": "x"}},
        "dataDisks": [{"lun": 1, "managedDisk": {"id": "/d1"}}, {"lun": 2, "snapshot": {"id": "/s"}}],
        "zoneResilient": true},
      "futureField": 1}})"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->hyper_v_generation, domain::HyperVGeneration::kV2);
  EXPECT_EQ(in->os_type, domain::OsType::kWindows);
  EXPECT_EQ(in->os_state, domain::OsState::kGeneralized);
  ASSERT_TRUE(in->os_disk.has_value());
  EXPECT_EQ(in->os_disk->blob_uri, "https://a/b.vhd");
  EXPECT_EQ(in->os_disk->caching, domain::HostCaching::kReadWrite);
  EXPECT_EQ(in->os_disk->disk_size_gb, std::optional<int32_t>(30));
  EXPECT_EQ(in->os_disk->storage_account_type, "Premium_LRS");
  EXPECT_EQ(in->os_disk->extra, (json{{"diskEncryptionSet", {{"id", "x"}}}}));
  ASSERT_EQ(in->data_disks.size(), 2u);
  EXPECT_EQ(in->data_disks[0].lun, std::optional<int32_t>(1));
  EXPECT_EQ(in->data_disks[0].managed_disk_id, "/d1");
  EXPECT_EQ(in->data_disks[1].snapshot_id, "/s");
  EXPECT_EQ(in->zone_resilient, std::optional<bool>(true));
  EXPECT_EQ(in->extra, (json{{"futureField", 1}}));
}

TEST(WireFromTest, ManagedImageGetBodyPutBackHasNoExtras) {
  Result<domain::ManagedImageInput> in = ManagedImageFromWire(ToWire(MakeManagedImage()));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->extra, json::object());
  ASSERT_TRUE(in->os_disk.has_value());
  EXPECT_EQ(*in->os_disk, MakeManagedImage().os_disk);
  EXPECT_EQ(in->data_disks, MakeManagedImage().data_disks);
}

TEST(WireFromTest, ManagedImageWithWrongTypesNamesTheField) {
  ExpectBadContent(
      ManagedImageFromWire(
          {{"properties", {{"storageProfile", {{"osDisk", {{"diskSizeGB", "big"}}}}}}}})
          .status(),
      "image.properties.storageProfile.osDisk.diskSizeGB");
  ExpectBadContent(
      ManagedImageFromWire({{"properties", {{"storageProfile", {{"dataDisks", {"x"}}}}}}}).status(),
      "image.properties.storageProfile.dataDisks[0]");
  ExpectBadContent(
      ManagedImageFromWire(
          {{"properties", {{"storageProfile", {{"osDisk", {{"managedDisk", {{"id", 1}}}}}}}}}})
          .status(),
      "image.properties.storageProfile.osDisk.managedDisk.id");
  ExpectBadContent(
      ManagedImageFromWire({{"properties", {{"storageProfile", {{"zoneResilient", 1}}}}}}).status(),
      "image.properties.storageProfile.zoneResilient");
}

TEST(WireFromTest, ManagedImageSourceVirtualMachineIsRead) {
  Result<domain::ManagedImageInput> in = ManagedImageFromWire(
      {{"properties", {{"sourceVirtualMachine", {{"id", ComputeId() + "/virtualMachines/vm"}}}}}});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->source_virtual_machine_id, ComputeId() + "/virtualMachines/vm");
  EXPECT_EQ(in->extra, json::object());
}

TEST(WireTest, ExportAccessReadsTheDiskGrantAndAnOptionalLun) {
  auto in = ExportAccessFromWire(
      json::parse(R"({"access":"read","durationInSeconds":60,"lun":2})"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->access, domain::DiskAccessLevel::kRead);
  EXPECT_EQ(in->duration_seconds, 60);
  EXPECT_EQ(in->lun, 2);
  auto os = ExportAccessFromWire(json::parse(R"({"access":"Read"})"));
  ASSERT_TRUE(os.ok());
  EXPECT_FALSE(os->lun.has_value());
  EXPECT_FALSE(os->duration_seconds.has_value());
}

TEST(WireTest, ExportAccessRefusesMistypedFields) {
  auto lun = ExportAccessFromWire(json::parse(R"({"access":"Read","lun":"zero"})"));
  ASSERT_FALSE(lun.ok());
  EXPECT_EQ(lun.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(lun.status().message(), HasSubstr("lun"));
  auto access = ExportAccessFromWire(json::parse(R"({"access":"Delete"})"));
  ASSERT_FALSE(access.ok());
  EXPECT_EQ(access.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gallery::api
