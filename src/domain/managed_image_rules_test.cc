#include "domain/managed_image_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// 2025-01-01T00:00:00Z: the fixed "now" of every rule.
constexpr TimestampMs kNow = 1735689600000;
constexpr char kProfile[] = "image.properties.storageProfile.";
constexpr char kBlob[] = "https://acct.blob.example/vhds/os.vhd";

ResourceId ImageId(const std::string& name) {
  return ResourceId::ForResource("sub1", "rg1", "Microsoft.Compute", {{"images", name}});
}

ImageDisk BlobDisk(const std::string& uri, std::optional<int32_t> lun = std::nullopt) {
  ImageDisk d;
  d.blob_uri = uri;
  d.lun = lun;
  return d;
}

ManagedImageInput ValidInput() {
  ManagedImageInput in;
  in.location = "westeurope";
  in.os_type = OsType::kLinux;
  in.os_state = OsState::kGeneralized;
  in.os_disk = BlobDisk(kBlob);
  return in;
}

// The PUT body that re-sends `image` unchanged.
ManagedImageInput Resend(const ManagedImage& image) {
  ManagedImageInput in;
  in.location = image.meta.location;
  in.tags = image.meta.tags;
  in.os_type = image.os_type;
  in.os_state = image.os_state;
  in.hyper_v_generation = image.hyper_v_generation;
  in.os_disk = image.os_disk;
  in.data_disks = image.data_disks;
  in.zone_resilient = image.zone_resilient;
  in.extra = image.extra;
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

class ManagedImageRulesTest : public ::testing::Test {
 protected:
  Result<ManagedImage> Create(const ManagedImageInput& in, const std::string& name = "img1") {
    return NewManagedImage(ImageId(name), in, ctx_);
  }

  ManagedImage Existing() {
    ManagedImageInput in = ValidInput();
    in.tags = Tags{{"env", "dev"}};
    in.data_disks = {BlobDisk("https://acct.blob.example/vhds/d0.vhd", 0)};
    in.extra = {{"extendedLocation", {{"name", "edge1"}}}};
    Result<ManagedImage> image = Create(in);
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    image->meta.provisioning_state = ProvisioningState::kSucceeded;
    return *image;
  }

  Result<ManagedImage> Put(const ManagedImage& current, const ManagedImageInput& in) {
    return UpdateManagedImage(current, in, UpdateMode::kReplace, ctx_);
  }

  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};
};

// --- create ---

TEST_F(ManagedImageRulesTest, ValidImageIsCreatingWithDefaults) {
  ManagedImageInput in = ValidInput();
  in.location = "West Europe";
  Result<ManagedImage> image = Create(in, "image_");
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->meta.location, "westeurope");
  EXPECT_EQ(image->hyper_v_generation, HyperVGeneration::kV1);
  EXPECT_FALSE(image->zone_resilient);
  EXPECT_EQ(image->os_disk.blob_uri, kBlob);
  EXPECT_EQ(image->meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(image->meta.created_at, kNow);
}

TEST_F(ManagedImageRulesTest, ManagedDiskSnapshotAndHttpBlobAreSources) {
  ManagedImageInput in = ValidInput();
  in.os_disk = ImageDisk{};
  in.os_disk->managed_disk_id = "/subscriptions/sub1/resourceGroups/rg1/providers/x/disks/d";
  ImageDisk snapshot;
  snapshot.snapshot_id = "/subscriptions/sub1/resourceGroups/rg1/providers/x/snapshots/s";
  snapshot.lun = 0;
  in.data_disks = {snapshot, BlobDisk("http://acct.blob.example/vhds/d1.vhd", 63)};
  Result<ManagedImage> image = Create(in);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->data_disks.size(), 2u);
}

TEST_F(ManagedImageRulesTest, InvalidNameIsInvalidParameter) {
  ExpectInvalid(Create(ValidInput(), "img.").status(), "'img.'");
}

TEST_F(ManagedImageRulesTest, MissingLocationIsInvalidParameter) {
  ManagedImageInput in = ValidInput();
  in.location.reset();
  ExpectInvalid(Create(in).status(), "'location'");
}

TEST_F(ManagedImageRulesTest, UnknownLocationIsLocationNotAvailable) {
  ManagedImageInput in = ValidInput();
  in.location = "moon";
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument,
              "LocationNotAvailableForResourceType", "'moon'");
}

TEST_F(ManagedImageRulesTest, SourceVirtualMachineIsRefused) {
  ManagedImageInput in = ValidInput();
  in.source_virtual_machine_id = "/subscriptions/sub1/resourceGroups/rg1/providers/x/vm1";
  Status s = Create(in).status();
  ExpectInvalid(s, "'/subscriptions/sub1/resourceGroups/rg1/providers/x/vm1'");
  EXPECT_EQ(s.target(), "image.properties.sourceVirtualMachine.id");
}

TEST_F(ManagedImageRulesTest, MissingOsDiskIsInvalidParameter) {
  ManagedImageInput in = ValidInput();
  in.os_disk.reset();
  ExpectInvalid(Create(in).status(), std::string("'") + kProfile + "osDisk'");
}

TEST_F(ManagedImageRulesTest, MissingOsTypeIsInvalidParameter) {
  ManagedImageInput in = ValidInput();
  in.os_type.reset();
  ExpectInvalid(Create(in).status(), std::string("'") + kProfile + "osDisk.osType'");
}

TEST_F(ManagedImageRulesTest, MissingOsStateIsInvalidParameter) {
  ManagedImageInput in = ValidInput();
  in.os_state.reset();
  ExpectInvalid(Create(in).status(), std::string("'") + kProfile + "osDisk.osState'");
}

TEST_F(ManagedImageRulesTest, SpecializedOsStateIsRefused) {
  ManagedImageInput in = ValidInput();
  in.os_state = OsState::kSpecialized;
  Status s = Create(in).status();
  ExpectInvalid(s, "specialized disks are not supported as images");
  EXPECT_EQ(s.target(), std::string(kProfile) + "osDisk.osState");
}

TEST_F(ManagedImageRulesTest, DiskWithoutSourceIsRefused) {
  ManagedImageInput in = ValidInput();
  in.os_disk = ImageDisk{};
  Status s = Create(in).status();
  ExpectInvalid(s, "must name exactly one source");
  EXPECT_THAT(s.message(), HasSubstr("(it names 0)"));
  EXPECT_EQ(s.target(), std::string(kProfile) + "osDisk");
}

TEST_F(ManagedImageRulesTest, DiskWithTwoSourcesIsRefused) {
  ManagedImageInput in = ValidInput();
  ImageDisk both = BlobDisk(kBlob, 1);
  both.snapshot_id = "/subscriptions/sub1/snapshots/s";
  in.data_disks = {both};
  Status s = Create(in).status();
  ExpectInvalid(s, std::string(kProfile) + "dataDisks[0] must name exactly one source");
  EXPECT_THAT(s.message(), HasSubstr("(it names 2)"));
}

TEST_F(ManagedImageRulesTest, NonHttpBlobUriIsRefused) {
  ManagedImageInput in = ValidInput();
  in.os_disk = BlobDisk("ftp://acct/vhds/os.vhd");
  Status s = Create(in).status();
  ExpectInvalid(s, "'ftp://acct/vhds/os.vhd'");
  EXPECT_EQ(s.target(), std::string(kProfile) + "osDisk.blobUri");
}

TEST_F(ManagedImageRulesTest, DiskSizeOutOfRangeIsRefused) {
  for (int32_t size : {0, 32768}) {
    ManagedImageInput in = ValidInput();
    in.os_disk->disk_size_gb = size;
    Status s = Create(in).status();
    ExpectInvalid(s, "The value " + std::to_string(size) + " of parameter " + kProfile +
                         "osDisk.diskSizeGB is out of range");
  }
  ManagedImageInput in = ValidInput();
  in.os_disk->disk_size_gb = 32767;
  EXPECT_TRUE(Create(in).ok());
}

TEST_F(ManagedImageRulesTest, DataDiskWithoutLunIsInvalidParameter) {
  ManagedImageInput in = ValidInput();
  in.data_disks = {BlobDisk(kBlob)};
  ExpectInvalid(Create(in).status(), std::string("'") + kProfile + "dataDisks[0].lun'");
}

TEST_F(ManagedImageRulesTest, LunOutOfRangeIsRefused) {
  for (int32_t lun : {-1, 64}) {
    ManagedImageInput in = ValidInput();
    in.data_disks = {BlobDisk(kBlob, lun)};
    Status s = Create(in).status();
    ExpectInvalid(s, "The value " + std::to_string(lun) + " of parameter " + kProfile +
                         "dataDisks[0].lun is out of range");
  }
}

TEST_F(ManagedImageRulesTest, DuplicateLunsAreRefused) {
  ManagedImageInput in = ValidInput();
  in.data_disks = {BlobDisk(kBlob, 3), BlobDisk("https://a/b.vhd", 3)};
  Status s = Create(in).status();
  ExpectInvalid(s, "Duplicated lun numbers have been detected in the input: lun 3");
  EXPECT_EQ(s.target(), std::string(kProfile) + "dataDisks[1].lun");
}

TEST_F(ManagedImageRulesTest, InvalidTagsAreRefused) {
  ManagedImageInput in = ValidInput();
  in.tags = Tags{{"a&b", "v"}};
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument, "InvalidTagNameCharacters",
              "'a&b'");
}

// --- update ---

TEST_F(ManagedImageRulesTest, PatchChangesTagsOnly) {
  ManagedImage current = Existing();
  ManagedImageInput in;
  in.tags = Tags{{"env", "prod"}};
  Result<ManagedImage> next = UpdateManagedImage(current, in, UpdateMode::kMerge, ctx_);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->meta.tags, (Tags{{"env", "prod"}}));
  EXPECT_EQ(next->os_disk, current.os_disk);
  EXPECT_EQ(next->meta.provisioning_state, ProvisioningState::kUpdating);
  EXPECT_EQ(next->meta.updated_at, kNow);
}

TEST_F(ManagedImageRulesTest, PatchWithoutTagsKeepsThem) {
  Result<ManagedImage> next =
      UpdateManagedImage(Existing(), ManagedImageInput{}, UpdateMode::kMerge, ctx_);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->meta.tags, (Tags{{"env", "dev"}}));
}

TEST_F(ManagedImageRulesTest, PutOfTheSameImageWithNewTagsSucceeds) {
  ManagedImage current = Existing();
  ManagedImageInput in = Resend(current);
  in.tags = Tags{{"owner", "me"}};
  Result<ManagedImage> next = Put(current, in);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->meta.tags, (Tags{{"owner", "me"}}));
}

TEST_F(ManagedImageRulesTest, PutWithoutTagsClearsThem) {
  ManagedImage current = Existing();
  ManagedImageInput in = Resend(current);
  in.tags.reset();
  Result<ManagedImage> next = Put(current, in);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->meta.tags.empty());
}

void ExpectChangeNotAllowed(const Status& s, const std::string& property) {
  ExpectError(s, StatusCode::kInvalidArgument, "PropertyChangeNotAllowed",
              "Changing property '" + property + "' is not allowed.");
}

TEST_F(ManagedImageRulesTest, ChangingOsTypeIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.os_type = OsType::kWindows;
  ExpectChangeNotAllowed(Put(Existing(), in).status(), std::string(kProfile) + "osDisk.osType");
}

TEST_F(ManagedImageRulesTest, ChangingOsStateIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.os_state = OsState::kSpecialized;
  ExpectChangeNotAllowed(Put(Existing(), in).status(), std::string(kProfile) + "osDisk.osState");
}

TEST_F(ManagedImageRulesTest, ChangingHyperVGenerationIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.hyper_v_generation = HyperVGeneration::kV2;
  ExpectChangeNotAllowed(Put(Existing(), in).status(), "image.properties.hyperVGeneration");
}

TEST_F(ManagedImageRulesTest, ChangingTheOsDiskSourceIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.os_disk = BlobDisk("https://acct.blob.example/vhds/other.vhd");
  ExpectChangeNotAllowed(Put(Existing(), in).status(), std::string(kProfile) + "osDisk");
}

TEST_F(ManagedImageRulesTest, ChangingTheOsDiskSizeIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.os_disk->disk_size_gb = 64;
  ExpectChangeNotAllowed(Put(Existing(), in).status(), std::string(kProfile) + "osDisk");
}

TEST_F(ManagedImageRulesTest, AddingADataDiskIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.data_disks.push_back(BlobDisk("https://acct.blob.example/vhds/d1.vhd", 1));
  Status s = Put(Existing(), in).status();
  ExpectError(s, StatusCode::kInvalidArgument, "PropertyChangeNotAllowed",
              "Adding new Data Disks or changing the LUN of a Data Disk in an existing Image is "
              "not allowed.");
  EXPECT_EQ(s.target(), std::string(kProfile) + "dataDisks");
}

TEST_F(ManagedImageRulesTest, ChangingADataDiskLunIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.data_disks[0].lun = 5;
  ExpectError(Put(Existing(), in).status(), StatusCode::kInvalidArgument,
              "PropertyChangeNotAllowed", "changing the LUN of a Data Disk");
}

TEST_F(ManagedImageRulesTest, ChangingZoneResilientIsNotAllowedWithArmsMessage) {
  ManagedImageInput in = Resend(Existing());
  in.zone_resilient = true;
  Status s = Put(Existing(), in).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "PropertyChangeNotAllowed");
  EXPECT_EQ(s.message(), "Changing property 'zoneResilient' is not allowed.");
  EXPECT_EQ(s.target(), std::string(kProfile) + "zoneResilient");
}

TEST_F(ManagedImageRulesTest, ChangingAnExtraIsNotAllowed) {
  ManagedImageInput in = Resend(Existing());
  in.extra = {{"extendedLocation", {{"name", "edge2"}}}};
  ExpectChangeNotAllowed(Put(Existing(), in).status(), "image.properties.extendedLocation");
}

TEST_F(ManagedImageRulesTest, DifferentLocationIsAlreadyExistsInvalidResourceLocation) {
  ManagedImageInput in = Resend(Existing());
  in.location = "eastus";
  ExpectError(Put(Existing(), in).status(), StatusCode::kAlreadyExists, "InvalidResourceLocation",
              "'eastus'");
}

TEST_F(ManagedImageRulesTest, UpdatedInvalidTagsAreRefused) {
  ManagedImageInput in;
  in.tags = Tags{{"k", std::string(300, 'v')}};
  ExpectError(UpdateManagedImage(Existing(), in, UpdateMode::kMerge, ctx_).status(),
              StatusCode::kInvalidArgument, "InvalidTagValueLength", "'k'");
}

}  // namespace
}  // namespace gallery::domain
