// Managed images and versions carrying data: GalleryService with ImageData, the ingest worker
// and the operation runner over a real SQLite store and real region chunk stores in a temp dir.

#include "service/image_data.h"
#include "service/replication_work.h"
#include "domain/replication_status.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "service/gallery_service.h"
#include "service/image_ingest_worker.h"
#include "service/operation_runner.h"
#include "service/test_store.h"
#include "storage/region_stores.h"
#include "storage/vhd_format.h"

namespace gallery::service {
namespace {

using domain::OperationStatus;
using domain::ProvisioningState;
using domain::UpdateMode;

constexpr TimestampMs kStart = 1'800'000'000'000;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr char kEndpoint[] = "https://127.0.0.1:8443";

// Records what the runner hands over, so a test runs the ingest on its own thread.
class RecordingWork final : public OperationWork {
 public:
  explicit RecordingWork(ImageIngestWorker& worker) : worker_(worker) {}
  bool Needs(const domain::Operation& op, const metadata::Resource& r) const override {
    return worker_.Needs(op, r);
  }
  void Start(const domain::Operation& op) override { started.push_back(op); }
  std::vector<domain::Operation> started;

 private:
  ImageIngestWorker& worker_;
};

// A fixed VHD of `size` bytes of disk: a pattern in the first MiB, zeros after, the footer.
std::string FixedVhd(uint64_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < kMiB; ++i) {
    bytes[i] = static_cast<char>((i * 7 + 3) % 251);
  }
  storage::VhdUniqueId id{};
  const auto footer = storage::SerializeVhdFooter(
      storage::FixedFooterFor(size, std::nullopt, kStart, id));
  bytes.append(reinterpret_cast<const char*>(footer.data()), footer.size());
  return bytes;
}

class ImageDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("image-data-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    ctx_.caller = {boot_.tenant_id, boot_.object_id, "admin"};
    stores_ = std::make_unique<storage::RegionStores>(dir_ / "stores");
    ImageDataOptions options;
    options.blobs_root = dir_ / "blobs";
    data_ = std::make_unique<ImageData>(
        [this](const std::string& region) { return stores_->For(region); }, options, *random_);
    data_->SetBlobEndpoints({kEndpoint});
    runner_ = std::make_unique<OperationRunner>(*store_, clock_, config_.operation_retention_ms,
                                                &activity_);
    worker_ = std::make_unique<ImageIngestWorker>(*store_, *data_, clock_, *runner_);
    work_ = std::make_unique<RecordingWork>(*worker_);
    runner_->AddWork(work_.get());
    replicator_ = std::make_unique<replication::Replicator>(
        *store_, regions_, [this](const std::string& name) { return stores_->For(name); },
        clock_, *random_, replication::ReplicatorOptions{});
    replication_work_ =
        std::make_unique<ReplicationWork>(*store_, *replicator_, clock_, *runner_);
    runner_->AddWork(replication_work_.get());
    authz_ = std::make_unique<access::Authorizer>(*store_);
    service_ = std::make_unique<GalleryService>(*store_, regions_, config_, clock_, *random_,
                                                *runner_, *authz_);
    service_->SetImageData(data_.get());
    ASSERT_TRUE(service_->PutResourceGroup(ctx_, Group(), {"southcentralus", std::nullopt},
                                          UpdateMode::kReplace).ok());
  }
  void TearDown() override {
    service_.reset();
    worker_.reset();
    replication_work_.reset();
    replicator_.reset();
    runner_.reset();
    std::filesystem::remove_all(dir_);
  }

  ResourceId Group() { return ResourceId::ForResourceGroup(boot_.subscription_id, "rg1"); }
  ResourceId Compute(std::vector<ResourceId::Segment> segs) {
    return ResourceId::ForResource(boot_.subscription_id, "rg1", "Microsoft.Compute",
                                   std::move(segs));
  }
  ResourceId ImageId(const std::string& name = "img1") { return Compute({{"images", name}}); }
  ResourceId DiskId(const std::string& name) { return Compute({{"disks", name}}); }
  ResourceId DefinitionId() { return Compute({{"galleries", "gal1"}, {"images", "def1"}}); }
  ResourceId VersionId(const std::string& v) { return DefinitionId().Child("versions", v); }

  void WriteBlob(const std::string& name, const std::string& bytes) {
    const std::filesystem::path path = dir_ / "blobs" / boot_.tenant_id / "acct" / "vhds" / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

  domain::ManagedImageInput ImageFrom(domain::ImageDisk disk) {
    domain::ManagedImageInput in;
    in.location = "southcentralus";
    in.os_type = domain::OsType::kLinux;
    in.os_state = domain::OsState::kGeneralized;
    in.os_disk = std::move(disk);
    return in;
  }
  domain::ImageDisk BlobDisk(const std::string& uri) {
    domain::ImageDisk d;
    d.blob_uri = uri;
    return d;
  }
  Result<Accepted<domain::ManagedImage>> PutImage(const domain::ManagedImageInput& in,
                                                  const std::string& name = "img1") {
    return service_->PutManagedImage(ctx_, ImageId(name), in, UpdateMode::kReplace);
  }

  // Runs due operations; ingests handed to the worker run here, then the runner again.
  void Settle() {
    ASSERT_TRUE(runner_->RunOnce().ok());
    std::vector<domain::Operation> started;
    started.swap(work_->started);
    for (const domain::Operation& op : started) {
      Status s = worker_->Run(op);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE(runner_->RunOnce().ok());
  }

  std::optional<metadata::ManifestRecord> Manifest(const std::string& id) {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto m = (*tx)->GetManifest(id);
    EXPECT_TRUE(m.ok());
    return m.ok() ? *m : std::nullopt;
  }
  int ManifestCount() {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    int n = 0;
    EXPECT_TRUE((*tx)->ForEachManifest([&](const metadata::ManifestRecord&) {
                       ++n;
                       return Status::Ok();
                     }).ok());
    return n;
  }
  domain::Operation Op(const std::string& id) {
    auto op = service_->GetOperation(ctx_, boot_.subscription_id, id);
    EXPECT_TRUE(op.ok()) << op.status().ToString();
    return op.ok() ? *op : domain::Operation{};
  }

  // An image img1 made from a 20 MiB fixed VHD blob, ingested and provisioned.
  void MakeImage() {
    WriteBlob("os.vhd", FixedVhd(20 * kMiB));
    auto accepted = PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/os.vhd")));
    ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
    ASSERT_NO_FATAL_FAILURE(Settle());
  }
  void MakeDefinition() {
    domain::GalleryInput g;
    g.location = "southcentralus";
    ASSERT_TRUE(service_->PutGallery(ctx_, DefinitionId().Parent(), g, UpdateMode::kReplace).ok());
    domain::GalleryImageInput def;
    def.location = "southcentralus";
    def.os_type = domain::OsType::kLinux;
    def.os_state = domain::OsState::kGeneralized;
    def.identifier = domain::ImageIdentifier{"p", "o", "s"};
    ASSERT_TRUE(service_->PutGalleryImage(ctx_, DefinitionId(), def, UpdateMode::kReplace).ok());
    ASSERT_TRUE(runner_->RunOnce().ok());
  }
  Result<Accepted<domain::GalleryImageVersion>> PutVersion(
      const std::string& v, std::vector<domain::TargetRegionInput> targets = {{"southcentralus"}}) {
    domain::GalleryImageVersionInput in;
    in.location = "southcentralus";
    in.source_id = ImageId().ToString();
    in.target_regions = std::move(targets);
    return service_->PutGalleryImageVersion(ctx_, VersionId(v), in, UpdateMode::kReplace);
  }
  // Runs operations and the replication they start until neither has anything to do.
  void Replicate() {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(runner_->RunOnce().ok());
      if (replicator_->RunQueued() == 0) {
        return;
      }
    }
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  domain::RegionCatalog regions_ = domain::RegionCatalog::Default();
  ServiceConfig config_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<storage::RegionStores> stores_;
  std::unique_ptr<ImageData> data_;
  // The operations the activity log is told ended.
  struct EndedOperations final : ActivitySink {
    void RecordRequest(const RequestContext&, const RequestOutcome&) override {}
    void RecordCompletion(const domain::Operation& op) override {
      std::lock_guard<std::mutex> lock(mu);
      ended.push_back(op);
    }
    std::mutex mu;
    std::vector<domain::Operation> ended;
  };
  EndedOperations activity_;
  std::unique_ptr<OperationRunner> runner_;
  std::unique_ptr<replication::Replicator> replicator_;
  std::unique_ptr<ReplicationWork> replication_work_;
  std::unique_ptr<ImageIngestWorker> worker_;
  std::unique_ptr<RecordingWork> work_;
  std::unique_ptr<access::Authorizer> authz_;
  std::unique_ptr<GalleryService> service_;
  BootstrapIdentity boot_;
  RequestContext ctx_;
};

TEST_F(ImageDataTest, ABlobImageIsIngestedInItsOperationAndGetsItsRealSize) {
  WriteBlob("os.vhd", FixedVhd(20 * kMiB));
  auto accepted = PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/os.vhd")));
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  EXPECT_TRUE(accepted->resource.os_disk.manifest_id.empty());
  // The runner hands the operation to the worker instead of completing it.
  ASSERT_TRUE(runner_->RunOnce().ok());
  ASSERT_EQ(work_->started.size(), 1u);
  EXPECT_EQ(Op(accepted->operation.id).status, OperationStatus::kInProgress);
  EXPECT_EQ(service_->GetManagedImage(ctx_, ImageId())->meta.provisioning_state,
            ProvisioningState::kCreating);
  ASSERT_TRUE(worker_->Run(work_->started[0]).ok());
  ASSERT_TRUE(runner_->RunOnce().ok());
  auto image = service_->GetManagedImage(ctx_, ImageId());
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->meta.provisioning_state, ProvisioningState::kSucceeded);
  EXPECT_EQ(image->os_disk.size_bytes, int64_t(20 * kMiB));
  EXPECT_EQ(image->os_disk.disk_size_gb, 1);
  ASSERT_FALSE(image->os_disk.manifest_id.empty());
  auto record = Manifest(image->os_disk.manifest_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->store, "southcentralus");
  auto manifest = storage::DecodeManifest(record->body);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->virtual_size, 20 * kMiB);
  EXPECT_EQ(Op(accepted->operation.id).status, OperationStatus::kSucceeded);
}

TEST_F(ImageDataTest, WhileTheIngestRunsItsOperationTellsHowFarItIs) {
  // 64 MiB of pattern: long enough for a watcher polling every 100 us to see it running.
  std::string vhd = FixedVhd(64 * kMiB);
  for (size_t i = kMiB; i < 64 * kMiB; ++i) {
    vhd[i] = static_cast<char>((i * 31 + i / 4096) % 253 + 1);
  }
  WriteBlob("os.vhd", vhd);
  auto accepted = PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/os.vhd")));
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  ASSERT_TRUE(runner_->RunOnce().ok());
  ASSERT_EQ(work_->started.size(), 1u);
  const std::string id = accepted->operation.id;
  EXPECT_FALSE(worker_->PercentOf(id).has_value());  // not running yet
  std::atomic<bool> done{false};
  std::vector<int> seen;
  std::thread watcher([&] {
    while (!done.load()) {
      if (std::optional<int> p = worker_->PercentOf(id)) seen.push_back(*p);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });
  Status ran = worker_->Run(work_->started[0]);
  done = true;
  watcher.join();
  ASSERT_TRUE(ran.ok()) << ran.ToString();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_GE(seen.front(), 0);
  EXPECT_LE(seen.back(), 99);
  EXPECT_FALSE(worker_->PercentOf(id).has_value());  // finished: the operation's state says
}

TEST_F(ImageDataTest, WhileTheIngestRunsTheRunnerLeasesTheOperation) {
  WriteBlob("os.vhd", FixedVhd(20 * kMiB));
  auto accepted = PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/os.vhd")));
  ASSERT_TRUE(accepted.ok());
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_EQ(*runner_->RunOnce(), 0);  // not due again until the lease ends
  EXPECT_EQ(work_->started.size(), 1u);
  clock_.Advance(5000);
  ASSERT_TRUE(runner_->RunOnce().ok());  // a restarted galleryd would start it again
  EXPECT_EQ(work_->started.size(), 2u);
}

TEST_F(ImageDataTest, AMalformedBlobFailsTheOperationWithTheParsersMessageAndKeepsNoManifest) {
  std::string bytes = FixedVhd(20 * kMiB);
  bytes[bytes.size() - 512] = 'X';  // the footer's cookie
  WriteBlob("bad.vhd", bytes);
  auto accepted =
      PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/bad.vhd")));
  ASSERT_TRUE(accepted.ok());
  ASSERT_NO_FATAL_FAILURE(Settle());
  domain::Operation op = Op(accepted->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_FALSE(op.error_code.empty());
  EXPECT_NE(op.error_message.find("cookie"), std::string::npos) << op.error_message;
  EXPECT_NE(op.error_message.find("bad.vhd"), std::string::npos) << op.error_message;
  EXPECT_EQ(service_->GetManagedImage(ctx_, ImageId())->meta.provisioning_state,
            ProvisioningState::kFailed);
  EXPECT_EQ(ManifestCount(), 0);
  // The failure reaches the activity log like any operation's end.
  std::lock_guard<std::mutex> lock(activity_.mu);
  ASSERT_EQ(activity_.ended.size(), 1u);
  EXPECT_EQ(activity_.ended[0].id, op.id);
  EXPECT_EQ(activity_.ended[0].status, OperationStatus::kFailed);
}

TEST_F(ImageDataTest, AMissingBlobFailsTheOperation) {
  auto accepted =
      PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/none.vhd")));
  ASSERT_TRUE(accepted.ok());
  ASSERT_NO_FATAL_FAILURE(Settle());
  domain::Operation op = Op(accepted->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_EQ(op.error_code, "InvalidParameter");
  EXPECT_NE(op.error_message.find("does not exist"), std::string::npos) << op.error_message;
}

TEST_F(ImageDataTest, AFailedImageIsRecreatedByAPutWithACorrectedSource) {
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  const std::string blobs = std::string(kEndpoint) + "/blob/acct/vhds/";
  auto failed = PutImage(ImageFrom(BlobDisk(blobs + "none.vhd")));
  ASSERT_TRUE(failed.ok());
  ASSERT_NO_FATAL_FAILURE(Settle());
  ASSERT_EQ(service_->GetManagedImage(ctx_, ImageId())->meta.provisioning_state,
            ProvisioningState::kFailed);

  // A version of it says why it cannot be made: the image is there, but Failed.
  auto version = PutVersion("1.0.0");
  EXPECT_EQ(version.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(version.status().reason(), "OperationNotAllowed");
  EXPECT_EQ(version.status().message(),
            "The managed image '" + ImageId().ToString() +
                "' cannot be the source of a version: its provisioning state is 'Failed', so it "
                "holds no disk data. Create the image again with a valid source (a PUT of the "
                "same name replaces a failed image), then create the version.");

  // A PUT with another source (osDisk changes) is a fresh create of the same name.
  WriteBlob("os.vhd", FixedVhd(20 * kMiB));
  auto again = PutImage(ImageFrom(BlobDisk(blobs + "os.vhd")));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->created);
  EXPECT_EQ(again->operation.kind, domain::OperationKind::kCreate);
  EXPECT_EQ(again->resource.meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(again->resource.os_disk.blob_uri, blobs + "os.vhd");
  ASSERT_NO_FATAL_FAILURE(Settle());
  auto image = service_->GetManagedImage(ctx_, ImageId());
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->meta.provisioning_state, ProvisioningState::kSucceeded);
  EXPECT_EQ(image->os_disk.size_bytes, int64_t(20 * kMiB));
  EXPECT_EQ(ManifestCount(), 1);
  EXPECT_TRUE(PutVersion("1.0.0").ok());

  // A Succeeded image still changes only its tags.
  auto changed = PutImage(ImageFrom(BlobDisk(blobs + "other.vhd")));
  EXPECT_EQ(changed.status().reason(), "PropertyChangeNotAllowed");
}

TEST_F(ImageDataTest, ABlobElsewhereIsRefusedNamingThisServersEndpoint) {
  auto refused = PutImage(ImageFrom(BlobDisk("https://acct.blob.local/vhds/os.vhd")));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().target(), "image.properties.storageProfile.osDisk.blobUri");
  EXPECT_NE(refused.status().message().find(std::string(kEndpoint) + "/blob/"),
            std::string::npos);
  EXPECT_EQ(service_->GetManagedImage(ctx_, ImageId()).status().code(), StatusCode::kNotFound);
}

TEST_F(ImageDataTest, SnapshotSourcesAreRefused) {
  domain::ImageDisk d;
  d.snapshot_id = Compute({{"snapshots", "s1"}}).ToString();
  auto refused = PutImage(ImageFrom(d));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "InvalidParameter");
  EXPECT_NE(refused.status().message().find("snapshots"), std::string::npos);
}

TEST_F(ImageDataTest, SpecializedDisksMakeNoImage) {
  domain::ManagedImageInput in = ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/os.vhd"));
  in.os_state = domain::OsState::kSpecialized;
  auto refused = PutImage(in);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("specialized"), std::string::npos);
}

// A sealed disk, as the disk service leaves it: Unattached with a manifest.
class ImageFromDiskTest : public ImageDataTest {
 protected:
  void PutDisk(const std::string& name, domain::DiskState state,
               const std::string& location = "southcentralus") {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    storage::Manifest m;
    m.virtual_size = 3 * (uint64_t{1} << 30) + 512 * kMiB;
    m.chunk_size = storage::kDefaultChunkSize;
    m.chunks.resize(storage::ChunkCount(m.virtual_size, m.chunk_size));
    metadata::ManifestRecord record{"disk-manifest-" + name, location, storage::EncodeManifest(m),
                                    kStart};
    ASSERT_TRUE((*tx)->PutManifest(record).ok());
    domain::Disk disk;
    disk.meta.id = DiskId(name);
    disk.meta.location = location;
    disk.meta.provisioning_state = ProvisioningState::kSucceeded;
    disk.state = state;
    disk.manifest_id = state == domain::DiskState::kUnattached ? record.id : "";
    disk.unique_id = "u-" + name;
    ASSERT_TRUE((*tx)->PutResource(disk).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  domain::ImageDisk FromDisk(const std::string& name) {
    domain::ImageDisk d;
    d.managed_disk_id = DiskId(name).ToString();
    return d;
  }
};

TEST_F(ImageFromDiskTest, ASealedDisksManifestIsCopiedAtOnce) {
  PutDisk("d1", domain::DiskState::kUnattached);
  auto accepted = PutImage(ImageFrom(FromDisk("d1")));
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  const domain::ImageDisk& os = accepted->resource.os_disk;
  ASSERT_FALSE(os.manifest_id.empty());
  EXPECT_NE(os.manifest_id, "disk-manifest-d1");
  EXPECT_EQ(os.disk_size_gb, 4);  // 3.5 GiB rounded up
  EXPECT_EQ(Manifest(os.manifest_id)->body, Manifest("disk-manifest-d1")->body);
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_TRUE(work_->started.empty());  // nothing to ingest
  EXPECT_EQ(service_->GetManagedImage(ctx_, ImageId())->meta.provisioning_state,
            ProvisioningState::kSucceeded);
}

TEST_F(ImageFromDiskTest, ADiskNotSealedIsRefused) {
  PutDisk("d1", domain::DiskState::kActiveUpload);
  auto refused = PutImage(ImageFrom(FromDisk("d1")));
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("ActiveUpload"), std::string::npos);
}

TEST_F(ImageFromDiskTest, ADiskOfAnotherRegionIsRefused) {
  PutDisk("d1", domain::DiskState::kUnattached, "eastus");
  auto refused = PutImage(ImageFrom(FromDisk("d1")));
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("eastus"), std::string::npos);
}

TEST_F(ImageFromDiskTest, AMissingDiskIsRefused) {
  auto refused = PutImage(ImageFrom(FromDisk("none")));
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("is not found"), std::string::npos);
}

TEST_F(ImageFromDiskTest, ADiskOfAnotherTenantOrUnreadableIsRefused) {
  domain::ImageDisk d;
  d.managed_disk_id =
      ResourceId::ForResource("00000000-0000-0000-0000-00000000dead", "rg1", "Microsoft.Compute",
                              {{"disks", "d1"}})
          .ToString();
  auto refused = PutImage(ImageFrom(d));
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().reason(), "LinkedAuthorizationFailed");
}

TEST_F(ImageDataTest, AVersionCopiesTheImagesManifestsAndKeepsThemWhenTheImageGoes) {
  ASSERT_NO_FATAL_FAILURE(MakeImage());
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  auto version = PutVersion("1.0.0");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  const domain::DiskImage& os = version->resource.os_disk_image;
  const std::string image_manifest = service_->GetManagedImage(ctx_, ImageId())->os_disk.manifest_id;
  ASSERT_FALSE(os.manifest_id.empty());
  EXPECT_NE(os.manifest_id, image_manifest);
  EXPECT_EQ(Manifest(os.manifest_id)->body, Manifest(image_manifest)->body);
  EXPECT_EQ(os.size_in_gb, 1);
  EXPECT_EQ(os.size_bytes, int64_t(20 * kMiB));
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_EQ(replicator_->RunQueued(), 1);  // the one region's replica
  ASSERT_TRUE(runner_->RunOnce().ok());
  auto stored = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->meta.provisioning_state, ProvisioningState::kSucceeded);
  ASSERT_EQ(stored->replicas.size(), 1u);
  EXPECT_EQ(stored->replicas[0].state, domain::ReplicationState::kCompleted);
  ASSERT_EQ(stored->replicas[0].manifests.size(), 1u);
  EXPECT_EQ(Manifest(stored->replicas[0].manifests[0])->body, Manifest(os.manifest_id)->body);
  EXPECT_EQ(Manifest(stored->replicas[0].manifests[0])->store, "southcentralus");
  // The image's, the version's and the replica's manifests store one body.
  auto bodies = [&] { return test_support::StoredManifestBodies(dir_); };
  EXPECT_EQ(ManifestCount(), 3);
  EXPECT_EQ(bodies(), 1);

  ASSERT_TRUE(service_->DeleteResource(ctx_, ImageId()).ok());
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_FALSE(Manifest(image_manifest).has_value());
  EXPECT_TRUE(Manifest(os.manifest_id).has_value());
  EXPECT_EQ(bodies(), 1);

  ASSERT_TRUE(service_->DeleteResource(ctx_, VersionId("1.0.0")).ok());
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_EQ(ManifestCount(), 0);
  EXPECT_EQ(bodies(), 0);
}

TEST_F(ImageDataTest, AVersionOfAnImageWhoseDataIsGoneIsRefusedAndNothingIsCreated) {
  ASSERT_NO_FATAL_FAILURE(MakeImage());
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  const std::string image_manifest = service_->GetManagedImage(ctx_, ImageId())->os_disk.manifest_id;
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->DeleteManifest(image_manifest).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto refused = PutVersion("1.0.0");
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(refused.status().reason(), "ManifestNotFound");
  EXPECT_EQ(refused.status().message(),
            "The data of the source (manifest '" + image_manifest + "') was not found.");
  EXPECT_EQ(service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ManifestCount(), 0);
}

TEST_F(ImageDataTest, AVersionOfAnImageWithoutARecordedSizeReadsItFromTheManifest) {
  ASSERT_NO_FATAL_FAILURE(MakeImage());
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  {
    // An image recorded before images kept their disks' sizes.
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    auto image = (*tx)->GetResource(ImageId());
    ASSERT_TRUE(image.ok() && image->has_value());
    std::get<domain::ManagedImage>(**image).os_disk.size_bytes = 0;
    ASSERT_TRUE((*tx)->PutResource(**image).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto version = PutVersion("1.0.0");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(version->resource.os_disk_image.size_bytes, int64_t(20 * kMiB));
  EXPECT_EQ(version->resource.os_disk_image.size_in_gb, 1);
}

TEST_F(ImageDataTest, AVersionOfAnImageStillIngestingIsRefused) {
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  WriteBlob("os.vhd", FixedVhd(20 * kMiB));
  ASSERT_TRUE(PutImage(ImageFrom(BlobDisk(std::string(kEndpoint) + "/blob/acct/vhds/os.vhd"))).ok());
  auto refused = PutVersion("1.0.0");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("still being created"), std::string::npos);
}

TEST_F(ImageDataTest, DeletingTheResourceGroupDeletesEveryManifestInIt) {
  ASSERT_NO_FATAL_FAILURE(MakeImage());
  EXPECT_EQ(ManifestCount(), 1);
  ASSERT_TRUE(service_->DeleteResourceGroup(ctx_, Group()).ok());
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_EQ(ManifestCount(), 0);
}

// ---- replication: a version's operation completes with its replicas

TEST_F(ImageDataTest, AVersionIsSucceededOnceEveryRegionHoldsItsReplicas) {
  ASSERT_NO_FATAL_FAILURE(MakeImage());
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  auto version = PutVersion("1.0.0", {{"southcentralus"}, {"eastus", 2}});
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  ASSERT_TRUE(runner_->RunOnce().ok());  // due: needs replication, kicks the replicator
  auto waiting = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  EXPECT_EQ(waiting->meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(Op(version->operation.id).status, OperationStatus::kInProgress);
  EXPECT_EQ(replication_work_->PercentOf(version->operation.id), 0);
  EXPECT_EQ(replicator_->RunQueued(), 2);  // southcentralus and eastus
  ASSERT_TRUE(runner_->RunOnce().ok());
  auto done = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  EXPECT_EQ(done->meta.provisioning_state, ProvisioningState::kSucceeded);
  EXPECT_EQ(Op(version->operation.id).status, OperationStatus::kSucceeded);
  EXPECT_EQ(replication_work_->PercentOf(version->operation.id), std::nullopt);
  ASSERT_EQ(done->replicas.size(), 3u);
  for (const domain::Replica& r : done->replicas) {
    EXPECT_EQ(r.state, domain::ReplicationState::kCompleted);
    ASSERT_EQ(r.manifests.size(), 1u);
    EXPECT_EQ(Manifest(r.manifests[0])->store, r.region);
  }
  // Lowering eastus to one replica deletes the other's manifest with the update.
  const std::string dropped = done->replicas[2].manifests[0];
  auto lowered = PutVersion("1.0.0", {{"southcentralus"}, {"eastus", 1}});
  ASSERT_TRUE(lowered.ok()) << lowered.status().ToString();
  EXPECT_EQ(lowered->resource.replicas.size(), 2u);
  EXPECT_FALSE(Manifest(dropped).has_value());
  ASSERT_NO_FATAL_FAILURE(Replicate());
  EXPECT_EQ(Op(lowered->operation.id).status, OperationStatus::kSucceeded);
  // Deleting the version deletes every replica's manifest.
  std::vector<std::string> kept;
  auto before_delete = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  ASSERT_TRUE(before_delete.ok());
  for (const auto& r : before_delete->replicas) {
    kept.push_back(r.manifests[0]);
  }
  ASSERT_TRUE(service_->DeleteResource(ctx_, VersionId("1.0.0")).ok());
  ASSERT_TRUE(runner_->RunOnce().ok());
  for (const std::string& m : kept) {
    EXPECT_FALSE(Manifest(m).has_value()) << m;
  }
}

TEST_F(ImageDataTest, ARegionThatFailsForGoodFailsTheOperationAndAnUpdateRetriesIt) {
  ASSERT_NO_FATAL_FAILURE(MakeImage());
  ASSERT_NO_FATAL_FAILURE(MakeDefinition());
  // westus's store cannot be created: a file is where its folder should be.
  std::filesystem::create_directories(dir_ / "stores");
  std::ofstream(dir_ / "stores" / "westus") << "in the way";
  auto version = PutVersion("1.0.0", {{"southcentralus"}, {"westus"}});
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  ASSERT_NO_FATAL_FAILURE(Replicate());
  auto retrying = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  EXPECT_EQ(retrying->meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(domain::SummarizeReplication(*retrying)[1].state,
            domain::ReplicationState::kReplicating);
  EXPECT_NE(domain::SummarizeReplication(*retrying)[1].details.find("Attempt 1 of 5 failed"),
            std::string::npos);
  // The runner's lease looks again; each retry whose time has come is kicked. Five attempts.
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(2 * 60 * 1000);
    ASSERT_NO_FATAL_FAILURE(Replicate());
  }
  domain::Operation op = Op(version->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_EQ(op.error_code, "ReplicationFailed");
  EXPECT_NE(op.error_message.find("westus"), std::string::npos) << op.error_message;
  auto failed = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  EXPECT_EQ(failed->meta.provisioning_state, ProvisioningState::kFailed);
  EXPECT_TRUE(domain::RegionUsable(*failed, "southcentralus"));
  EXPECT_FALSE(domain::RegionUsable(*failed, "westus"));

  std::filesystem::remove(dir_ / "stores" / "westus");
  auto retried = PutVersion("1.0.0", {{"southcentralus"}, {"westus"}});
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  ASSERT_NO_FATAL_FAILURE(Replicate());
  EXPECT_EQ(Op(retried->operation.id).status, OperationStatus::kSucceeded);
  EXPECT_EQ(service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"))->meta.provisioning_state,
            ProvisioningState::kSucceeded);
}

}  // namespace
}  // namespace gallery::service
