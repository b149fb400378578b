#include "domain/disk_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

constexpr TimestampMs kNow = 1735689600000;  // 2025-01-01T00:00:00Z
constexpr int64_t kGood = 64 * kMiB + kVhdFooterBytes;

ResourceId DiskId(const std::string& name) {
  return ResourceId::ForResource("sub1", "rg1", "Microsoft.Compute", {{"disks", name}});
}

DiskInput ValidInput() {
  DiskInput in;
  in.location = "westus";
  in.create_option = "Upload";
  in.upload_size_bytes = kGood;
  return in;
}

class DiskRulesTest : public ::testing::Test {
 protected:
  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};

  Disk Created() {
    Result<Disk> d = NewDisk(DiskId("d1"), ValidInput(), "uid-1", ctx_);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return *d;
  }
};

TEST_F(DiskRulesTest, NewUploadDiskIsReadyToUpload) {
  Disk d = Created();
  EXPECT_EQ(d.state, DiskState::kReadyToUpload);
  EXPECT_EQ(d.meta.location, "westus");
  EXPECT_EQ(d.meta.provisioning_state, ProvisioningState::kSucceeded);
  EXPECT_EQ(d.sku_name, "Standard_LRS");
  EXPECT_EQ(d.upload_size_bytes, kGood);
  EXPECT_EQ(d.disk_size_bytes, 64 * kMiB);
  EXPECT_EQ(DiskSizeGb(d), 1);
  EXPECT_EQ(d.unique_id, "uid-1");
  EXPECT_EQ(d.time_created, kNow);
  EXPECT_TRUE(d.grants.empty());
}

TEST_F(DiskRulesTest, DiskNameRules) {
  for (const std::string& bad :
       std::vector<std::string>{"-lead", "trail.", "trail-", "has space", std::string(81, 'a')}) {
    Result<Disk> d = NewDisk(DiskId(bad), ValidInput(), "u", ctx_);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().reason(), "InvalidParameter");
    EXPECT_THAT(d.status().message(), HasSubstr("Disk name '" + bad + "'"));
  }
  for (const std::string& good :
       std::vector<std::string>{"a", "disk_", "a.b-c_d", std::string(80, 'z')}) {
    EXPECT_TRUE(NewDisk(DiskId(good), ValidInput(), "u", ctx_).ok()) << good;
  }
}

TEST_F(DiskRulesTest, RegionMustBeAReplicationTarget) {
  DiskInput in = ValidInput();
  in.location = "West Central US";  // hosts galleries, not versions
  Result<Disk> d = NewDisk(DiskId("d1"), in, "u", ctx_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().reason(), "LocationNotAvailableForResourceType");
  in.location.reset();
  EXPECT_THAT(NewDisk(DiskId("d1"), in, "u", ctx_).status().message(), HasSubstr("location"));
}

TEST_F(DiskRulesTest, SkuIsOneOfAzures) {
  DiskInput in = ValidInput();
  in.sku_name = "premiumv2_lrs";
  EXPECT_EQ(NewDisk(DiskId("d1"), in, "u", ctx_)->sku_name, "PremiumV2_LRS");
  in.sku_name = "Gold_LRS";
  Result<Disk> d = NewDisk(DiskId("d1"), in, "u", ctx_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().target(), "disk.sku.name");
  EXPECT_THAT(d.status().message(), HasSubstr("'Gold_LRS'"));
}

TEST_F(DiskRulesTest, OnlyUploadIsSupported) {
  DiskInput in = ValidInput();
  in.create_option = "Empty";
  Result<Disk> d = NewDisk(DiskId("d1"), in, "u", ctx_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().reason(), "InvalidParameter");
  EXPECT_THAT(d.status().message(), HasSubstr("only 'Upload' is supported"));
  in.create_option.reset();
  EXPECT_THAT(NewDisk(DiskId("d1"), in, "u", ctx_).status().message(), HasSubstr("createOption"));
}

TEST_F(DiskRulesTest, UploadSizeIsWholeMiBPlusFooterWithinBounds) {
  const int64_t bad[] = {64 * kMiB, 64 * kMiB + 511, 19 * kMiB + kVhdFooterBytes,
                         kMaxUploadDiskBytes + kMiB + kVhdFooterBytes, 0};
  for (int64_t bytes : bad) {
    DiskInput in = ValidInput();
    in.upload_size_bytes = bytes;
    Result<Disk> d = NewDisk(DiskId("d1"), in, "u", ctx_);
    ASSERT_FALSE(d.ok()) << bytes;
    EXPECT_EQ(d.status().reason(), "InvalidParameter");
    EXPECT_THAT(d.status().message(), HasSubstr(std::to_string(bytes)));
    EXPECT_THAT(d.status().message(), HasSubstr("512-byte VHD footer"));
  }
  for (int64_t bytes :
       {kMinUploadDiskBytes + kVhdFooterBytes, kMaxUploadDiskBytes + kVhdFooterBytes}) {
    DiskInput in = ValidInput();
    in.upload_size_bytes = bytes;
    EXPECT_TRUE(NewDisk(DiskId("d1"), in, "u", ctx_).ok()) << bytes;
  }
  DiskInput in = ValidInput();
  in.upload_size_bytes.reset();
  EXPECT_THAT(NewDisk(DiskId("d1"), in, "u", ctx_).status().message(),
              HasSubstr("uploadSizeBytes"));
}

TEST_F(DiskRulesTest, UpdateChangesTagsOnly) {
  Disk d = Created();
  d.meta.tags = {{"a", "1"}};
  DiskInput patch;
  patch.tags = Tags{{"b", "2"}};
  Result<Disk> merged = UpdateDisk(d, patch, UpdateMode::kMerge, ctx_);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->meta.tags, (Tags{{"b", "2"}}));
  DiskInput put = ValidInput();
  Result<Disk> replaced = UpdateDisk(d, put, UpdateMode::kReplace, ctx_);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_TRUE(replaced->meta.tags.empty());
  Result<Disk> kept = UpdateDisk(d, DiskInput{}, UpdateMode::kMerge, ctx_);
  EXPECT_EQ(kept->meta.tags, (Tags{{"a", "1"}}));
}

TEST_F(DiskRulesTest, AnInvalidUploadSizeOnAnExistingDiskIsInvalidParameterFirst) {
  DiskInput in = ValidInput();
  in.upload_size_bytes = 20972033;
  Result<Disk> r = UpdateDisk(Created(), in, UpdateMode::kReplace, ctx_);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_THAT(r.status().message(),
              HasSubstr("The value 20972033 of disk.properties.creationData.uploadSizeBytes is "
                        "not valid"));
}

TEST_F(DiskRulesTest, ImmutableFieldsAreRefused) {
  Disk d = Created();
  auto expect_refused = [&](DiskInput in, const std::string& property) {
    Result<Disk> r = UpdateDisk(d, in, UpdateMode::kReplace, ctx_);
    ASSERT_FALSE(r.ok()) << property;
    EXPECT_EQ(r.status().reason(), "PropertyChangeNotAllowed");
    EXPECT_THAT(r.status().message(), HasSubstr(property));
  };
  DiskInput in = ValidInput();
  in.upload_size_bytes = kGood + kMiB;
  expect_refused(in, "uploadSizeBytes");
  in = ValidInput();
  in.sku_name = "Premium_LRS";
  expect_refused(in, "sku.name");
  in = ValidInput();
  in.os_type = OsType::kWindows;
  expect_refused(in, "osType");
  in = ValidInput();
  in.hyper_v_generation = HyperVGeneration::kV2;
  expect_refused(in, "hyperVGeneration");
  in = ValidInput();
  in.create_option = "Empty";
  expect_refused(in, "createOption");
  in = ValidInput();
  in.location = "eastus";
  EXPECT_EQ(UpdateDisk(d, in, UpdateMode::kReplace, ctx_).status().reason(),
            "InvalidResourceLocation");
}

TEST_F(DiskRulesTest, WriteGrantFromReadyToUploadAndActiveUpload) {
  Disk d = Created();
  Result<Disk> g = GrantAccess(d, {DiskAccessLevel::kWrite, 600}, "g1", ctx_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->state, DiskState::kActiveUpload);
  EXPECT_EQ(g->grants,
            (std::vector<DiskAccessGrant>{{"g1", DiskAccessLevel::kWrite, kNow + 600 * 1000}}));
  // A new Write grant replaces the old one: one writer at a time.
  Result<Disk> again = GrantAccess(*g, {DiskAccessLevel::kWrite, std::nullopt}, "g2", ctx_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->grants, (std::vector<DiskAccessGrant>{{"g2", DiskAccessLevel::kWrite,
                                                          kNow + kDefaultAccessSeconds * 1000}}));
  Result<Disk> read = GrantAccess(*g, {DiskAccessLevel::kRead, 60}, "g3", ctx_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status().reason(), "OperationNotAllowed");
  EXPECT_THAT(read.status().message(), HasSubstr("ActiveUpload"));
}

TEST_F(DiskRulesTest, ReadGrantsOfConcurrentReadersCoexistAndEndOneByOne) {
  Disk d = Created();
  d.state = DiskState::kUnattached;
  Result<Disk> first = GrantAccess(d, {DiskAccessLevel::kRead, 60}, "r1", ctx_);
  ASSERT_TRUE(first.ok());
  Result<Disk> second = GrantAccess(*first, {DiskAccessLevel::kRead, 600}, "r2", ctx_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->state, DiskState::kActiveSAS);
  EXPECT_EQ(second->grants,
            (std::vector<DiskAccessGrant>{{"r1", DiskAccessLevel::kRead, kNow + 60 * 1000},
                                          {"r2", DiskAccessLevel::kRead, kNow + 600 * 1000}}));
  EXPECT_EQ(FindGrant(*second, "r2")->expires_at, kNow + 600 * 1000);
  EXPECT_EQ(FindGrant(*second, "r3"), nullptr);

  Disk ending = *second;
  EXPECT_FALSE(RevokeGrants(ending, "r1", kNow));  // r2 is still held
  EXPECT_EQ(ending.grants.size(), 1u);
  EXPECT_FALSE(RevokeGrants(ending, "nope", kNow));  // no such grant: nothing ends
  EXPECT_EQ(ending.grants.size(), 1u);
  EXPECT_TRUE(RevokeGrants(ending, "r2", kNow));
  EXPECT_TRUE(ending.grants.empty());

  // Without a grant id every grant ends (az disk revoke-access).
  ending = *second;
  EXPECT_TRUE(RevokeGrants(ending, std::nullopt, kNow));
  EXPECT_TRUE(ending.grants.empty());

  // Expired Read grants are dropped when the grants change.
  ending = *second;
  EXPECT_TRUE(RevokeGrants(ending, "r2", kNow + 60 * 1000));
  Result<Disk> third = GrantAccess(*second, {DiskAccessLevel::kRead, 60}, "r3",
                                   RuleContext{regions_, limits_, kNow + 60 * 1000});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->grants.size(), 2u);
  EXPECT_EQ(third->grants[0].id, "r2");
}

TEST_F(DiskRulesTest, ReadGrantOnlyFromUnattachedOrActiveSas) {
  Disk d = Created();
  EXPECT_EQ(GrantAccess(d, {DiskAccessLevel::kRead, 60}, "g", ctx_).status().reason(),
            "OperationNotAllowed");
  d.state = DiskState::kUnattached;
  Result<Disk> g = GrantAccess(d, {DiskAccessLevel::kRead, 60}, "g", ctx_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->state, DiskState::kActiveSAS);
  EXPECT_EQ(GrantAccess(d, {DiskAccessLevel::kWrite, 60}, "g", ctx_).status().reason(),
            "OperationNotAllowed");
  d.state = DiskState::kActiveSAS;
  EXPECT_TRUE(GrantAccess(d, {DiskAccessLevel::kRead, 60}, "g", ctx_).ok());
  EXPECT_EQ(GrantAccess(d, {DiskAccessLevel::kWrite, 60}, "g", ctx_).status().reason(),
            "OperationNotAllowed");
}

TEST_F(DiskRulesTest, GrantDurationBounds) {
  Disk d = Created();
  for (int64_t seconds : {int64_t{0}, int64_t{-5}, kMaxAccessSeconds + 1}) {
    Result<Disk> g = GrantAccess(d, {DiskAccessLevel::kWrite, seconds}, "g", ctx_);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().target(), "grantAccessData.durationInSeconds");
    EXPECT_THAT(g.status().message(), HasSubstr(std::to_string(seconds)));
  }
  EXPECT_TRUE(GrantAccess(d, {DiskAccessLevel::kWrite, kMaxAccessSeconds}, "g", ctx_).ok());
  EXPECT_THAT(GrantAccess(d, {std::nullopt, 60}, "g", ctx_).status().message(),
              HasSubstr("access"));
}

TEST_F(DiskRulesTest, DeleteRefusedWhileAGrantIsActive) {
  Disk d = Created();
  EXPECT_TRUE(CheckDiskDeletable(d).ok());
  d.state = DiskState::kActiveUpload;
  EXPECT_EQ(CheckDiskDeletable(d).reason(), "OperationNotAllowed");
  d.state = DiskState::kActiveSAS;
  EXPECT_EQ(CheckDiskDeletable(d).code(), StatusCode::kFailedPrecondition);
  d.state = DiskState::kUnattached;
  EXPECT_TRUE(CheckDiskDeletable(d).ok());
}

TEST_F(DiskRulesTest, StateAndLevelNamesRoundTrip) {
  for (DiskState s : {DiskState::kReadyToUpload, DiskState::kActiveUpload, DiskState::kUnattached,
                      DiskState::kActiveSAS}) {
    EXPECT_EQ(*ParseDiskState(ToString(s), "f"), s);
  }
  EXPECT_EQ(*ParseDiskAccessLevel("write", "access"), DiskAccessLevel::kWrite);
  EXPECT_EQ(ParseDiskAccessLevel("None", "access").status().reason(), "InvalidParameter");
}

}  // namespace
}  // namespace gallery::domain
