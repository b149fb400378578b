// ExportGrants over a real SQLite store and a real chunk store in a temp dir, with a fake
// clock: grants of an image's disks, their URLs, revocation, expiry, access checks, and what a
// grant serves once its image is gone.

#include "service/export_grants.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "service/operation_runner.h"
#include "service/service_test_base.h"
#include "storage/manifest.h"

namespace gallery::service {
namespace {

namespace fs = std::filesystem;
using domain::DiskAccessLevel;
using domain::UpdateMode;

constexpr TimestampMs kStart = test_support::ServiceTestBase::kStartTime;
constexpr uint64_t kDiskBytes = uint64_t{20} << 20;
constexpr uint32_t kChunk = 128u << 10;

class ExportGrantsTest : public test_support::ServiceTestBase {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("export-grants-test");
    ASSERT_NO_FATAL_FAILURE(OpenServices());
    exports_ =
        std::make_unique<ExportGrants>(*store_, *gallery_, *signer_, *stores_, clock_, *random_);
    ASSERT_TRUE(
        gallery_->PutResourceGroup(ctx_, Group(), {"westus", std::nullopt}, UpdateMode::kReplace)
            .ok());
    ASSERT_NO_FATAL_FAILURE(PutImage());
  }
  void TearDown() override {
    exports_.reset();
    CloseServices();
    fs::remove_all(dir_);
  }

  ResourceId Group() const { return ResourceId::ForResourceGroup(boot_.subscription_id, "rg1"); }
  ResourceId ImageId() const {
    return ResourceId::ForResource(boot_.subscription_id, "rg1", "Microsoft.Compute",
                                   {{"images", "img1"}});
  }

  // Image img1 whose OS disk is manifest "m-os" (all zeros: no chunk is needed to read it) and
  // whose data disk lun 1 has no data yet.
  void PutImage() {
    storage::Manifest manifest{kDiskBytes, kChunk, {}};
    manifest.chunks.resize(kDiskBytes / kChunk);
    domain::ManagedImage image;
    image.meta.id = ImageId();
    image.meta.location = "westus";
    image.meta.created_at = image.meta.updated_at = kStart;
    image.meta.provisioning_state = domain::ProvisioningState::kSucceeded;
    image.os_disk.manifest_id = "m-os";
    image.os_disk.size_bytes = kDiskBytes;
    domain::ImageDisk data;
    data.lun = 1;
    image.data_disks = {data};
    auto tx = std::move(store_->Begin(metadata::TxMode::kWrite)).value();
    ASSERT_TRUE(
        tx->PutManifest({"m-os", "westus", storage::EncodeManifest(manifest), kStart}).ok());
    ASSERT_TRUE(tx->PutResource(image).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }

  domain::Operation Grant(int64_t seconds = 600) {
    auto op =
        exports_->BeginGetAccess(ctx_, ImageId(), {DiskAccessLevel::kRead, seconds, std::nullopt});
    EXPECT_TRUE(op.ok()) << op.status().ToString();
    return *op;
  }

  std::unique_ptr<ExportGrants> exports_;
};

TEST_F(ExportGrantsTest, AGrantIsASucceededOperationWhoseUrlIsSignedForTheExport) {
  const domain::Operation op = Grant();
  EXPECT_EQ(op.kind, domain::OperationKind::kBeginGetAccess);
  EXPECT_EQ(op.status, domain::OperationStatus::kSucceeded);
  EXPECT_EQ(op.resource_id, ImageId());
  const std::string url = exports_->AccessUrlOf(ctx_, op, "https://h:1").value();
  const std::string expiry = "2027-01-15T08:10:00Z";  // kStart + 600 s
  const access::AccessClaim claim{"exports/" + op.id, "r", op.id, expiry};
  EXPECT_EQ(url, signer_->Url("https://h:1", "exports/" + op.id, claim));
  const domain::ExportGrant grant = exports_->Find(op.id).value().value();
  EXPECT_EQ(grant.manifest_id, "m-os");
  EXPECT_EQ(grant.expires_at, kStart + 600'000);
}

TEST_F(ExportGrantsTest, AGrantOpensItsDiskUntilTheImageIsGone) {
  const domain::ExportGrant grant = exports_->Find(Grant().id).value().value();
  std::optional<ExportedDisk> disk = exports_->Open(grant).value();
  ASSERT_TRUE(disk.has_value());
  EXPECT_EQ(disk->bytes->size(), kDiskBytes);
  EXPECT_EQ(disk->manifest_id, "m-os");
  EXPECT_EQ(disk->created_at, kStart);
  std::vector<uint8_t> buf(4096, 0xff);
  ASSERT_TRUE(disk->bytes->ReadAt(kDiskBytes - buf.size(), buf).ok());
  EXPECT_EQ(buf, std::vector<uint8_t>(4096, 0));
  {
    auto tx = std::move(store_->Begin(metadata::TxMode::kWrite)).value();
    ASSERT_TRUE(tx->DeleteResource(ImageId()).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_FALSE(exports_->Open(grant).value().has_value());
}

TEST_F(ExportGrantsTest, AMissingManifestIsDataLoss) {
  domain::ExportGrant grant = exports_->Find(Grant().id).value().value();
  {
    auto tx = std::move(store_->Begin(metadata::TxMode::kWrite)).value();
    ASSERT_TRUE(tx->DeleteManifest("m-os").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(exports_->Open(grant).status().code(), StatusCode::kDataLoss);
}

TEST_F(ExportGrantsTest, EndGetAccessRevokesEveryGrantOfTheImage) {
  const domain::Operation first = Grant();
  const domain::Operation second = Grant();
  auto end = exports_->EndGetAccess(ctx_, ImageId());
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(end->kind, domain::OperationKind::kEndGetAccess);
  EXPECT_EQ(end->status, domain::OperationStatus::kSucceeded);
  for (const domain::Operation& op : {first, second}) {
    EXPECT_FALSE(exports_->Find(op.id).value().has_value());
    Result<std::string> url = exports_->AccessUrlOf(ctx_, op, "https://h:1");
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(url.status().reason(), "OperationNotAllowed");
  }
}

TEST_F(ExportGrantsTest, ExpiredGrantsArePrunedWhenANewOneIsGiven) {
  const domain::Operation short_lived = Grant(1);
  clock_.Advance(2000);
  const domain::Operation next = Grant();
  EXPECT_FALSE(exports_->Find(short_lived.id).value().has_value());
  EXPECT_TRUE(exports_->Find(next.id).value().has_value());
}

TEST_F(ExportGrantsTest, TheRulesRefuseWriteUnknownLunsAndDisksWithoutData) {
  auto write = exports_->BeginGetAccess(ctx_, ImageId(), {DiskAccessLevel::kWrite, 60, {}});
  EXPECT_EQ(write.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(write.status().target(), "grantAccessData.access");
  auto no_data = exports_->BeginGetAccess(ctx_, ImageId(), {DiskAccessLevel::kRead, 60, 1});
  EXPECT_EQ(no_data.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_data.status().reason(), "OperationNotAllowed");
  auto unknown = exports_->BeginGetAccess(ctx_, ImageId(), {DiskAccessLevel::kRead, 60, 4});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().target(), "lun");
}

TEST_F(ExportGrantsTest, ACallerWithoutReadAccessIsRefusedAndNothingIsGranted) {
  RequestContext stranger;
  stranger.caller = {boot_.tenant_id, "00000000-0000-0000-0000-0000000000ff", "stranger"};
  auto begin = exports_->BeginGetAccess(stranger, ImageId(), {DiskAccessLevel::kRead, 60, {}});
  ASSERT_FALSE(begin.ok());
  EXPECT_EQ(begin.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(begin.status().reason(), "AuthorizationFailed");
  const domain::Operation op = Grant();
  auto end = exports_->EndGetAccess(stranger, ImageId());
  EXPECT_EQ(end.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(exports_->AccessUrlOf(stranger, op, "https://h:1").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(exports_->Find(op.id).value().has_value());
}

TEST_F(ExportGrantsTest, AResourceWithoutDataCannotBeExported) {
  auto begin = exports_->BeginGetAccess(ctx_, Group(), {DiskAccessLevel::kRead, 60, {}});
  ASSERT_FALSE(begin.ok());
  EXPECT_EQ(begin.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(begin.status().reason(), "InvalidResourceType");
  auto missing =
      exports_->BeginGetAccess(ctx_,
                               ResourceId::ForResource(boot_.subscription_id, "rg1",
                                                       "Microsoft.Compute", {{"images", "nope"}}),
                               {DiskAccessLevel::kRead, 60, {}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace gallery::service
