// DiskService over a real SQLite store and real chunk stores in a temp dir, with a fake clock:
// every state transition of an upload, sealing, failed seals and resumption.

#include "service/disk_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>

#include "domain/disk_rules.h"
#include "service/operation_runner.h"
#include "service/service_test_base.h"
#include "storage/pack_chunk_store.h"
#include "storage/vhd_format.h"

namespace gallery::service {
namespace {

namespace fs = std::filesystem;
using domain::DiskAccessLevel;
using domain::DiskState;
using domain::OperationStatus;
using domain::UpdateMode;

constexpr TimestampMs kStart = test_support::ServiceTestBase::kStartTime;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kDiskBytes = 20 * kMiB;

// A fixed VHD of kDiskBytes: a recognisable pattern in the first and last MiB, zeros between.
std::vector<uint8_t> FixedVhd() {
  std::vector<uint8_t> bytes(kDiskBytes + 512, 0);
  for (uint64_t i = 0; i < kMiB; ++i) {
    bytes[i] = static_cast<uint8_t>(i * 7 + 1);
    bytes[kDiskBytes - kMiB + i] = static_cast<uint8_t>(i * 13 + 5);
  }
  const auto footer = storage::SerializeVhdFooter(
      storage::FixedFooterFor(kDiskBytes, std::nullopt, kStart, storage::VhdUniqueId{}));
  std::copy(footer.begin(), footer.end(), bytes.begin() + kDiskBytes);
  return bytes;
}

class DiskServiceTest : public test_support::ServiceTestBase {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("disk-service-test");
    Open();
    ASSERT_TRUE(gallery_
                    ->PutResourceGroup(ctx_,
                                       ResourceId::ForResourceGroup(boot_.subscription_id, "rg1"),
                                       {"westus", std::nullopt}, UpdateMode::kReplace)
                    .ok());
  }
  void TearDown() override {
    Close();
    fs::remove_all(dir_);
  }
  void Close() {
    disks_.reset();
    CloseServices();
  }
  void Open() {
    Close();
    ASSERT_NO_FATAL_FAILURE(OpenServices());
    DiskServiceOptions options = disk_options_;
    options.uploads_dir = dir_ / "uploads";
    disks_ = std::make_unique<DiskService>(*store_, *gallery_, ended_, *authz_, *signer_,
                                           *stores_, clock_, *random_, options);
  }

  ResourceId DiskId(const std::string& name = "d1") {
    return ResourceId::ForResource(boot_.subscription_id, "rg1", "Microsoft.Compute",
                                   {{"disks", name}});
  }
  domain::Disk Create(const std::string& name = "d1") {
    domain::DiskInput in;
    in.location = "westus";
    in.create_option = "Upload";
    in.upload_size_bytes = static_cast<int64_t>(kDiskBytes + 512);
    auto put = disks_->Put(ctx_, DiskId(name), in, UpdateMode::kReplace);
    EXPECT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_TRUE(put->created);
    return put->resource;
  }
  DiskOperation Grant(DiskAccessLevel level, const std::string& name = "d1") {
    auto g = disks_->BeginGetAccess(ctx_, DiskId(name), {level, 600});
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return *g;
  }
  void Upload(const domain::Disk& disk, const std::vector<uint8_t>& bytes) {
    auto blob = disks_->OpenUpload(disk);
    ASSERT_TRUE(blob.ok()) << blob.status().ToString();
    ASSERT_TRUE((*blob)->WritePages(0, bytes).ok());
  }
  // The operation once it is terminal (the sealer runs on its own thread), waiting up to 5 s.
  domain::Operation Terminal(const std::string& id) {
    domain::Operation op = Operation(id);
    for (int i = 0; i < 500 && !op.terminal(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      op = Operation(id);
    }
    return op;
  }
  domain::Operation Operation(const std::string& id) {
    auto tx = std::move(store_->Begin(metadata::TxMode::kRead)).value();
    return std::move(tx->GetOperation(id)).value().value();
  }
  uint64_t StoredChunks() {
    auto store = stores_->For("westus");
    return (*store)->Usage()->chunks;
  }
  fs::path StagingFile(const domain::Disk& disk) {
    return dir_ / "uploads" / (disk.unique_id + ".blob");
  }

  // The operations the disk service says ended outside the runner.
  struct EndedOperations final : OperationSignal {
    void Notify() override {}
    void Ended(const domain::Operation& op) override {
      std::lock_guard<std::mutex> lock(mu);
      ended.push_back(op);
    }
    std::vector<domain::Operation> Take() {
      std::lock_guard<std::mutex> lock(mu);
      return std::exchange(ended, {});
    }
    std::mutex mu;
    std::vector<domain::Operation> ended;
  };
  EndedOperations ended_;
  // Open() uses these (and its own uploads_dir). Most tests drive seals by hand, with no sealer
  // to wait for: EndGetAccess answers at once.
  DiskServiceOptions disk_options_{.seal_answer_wait_ms = 0};
  std::unique_ptr<DiskService> disks_;
};

TEST_F(DiskServiceTest, PutCreatesAReadyToUploadDiskWithItsUploadBlob) {
  domain::Disk d = Create();
  EXPECT_EQ(d.state, DiskState::kReadyToUpload);
  EXPECT_EQ(fs::file_size(StagingFile(d)), kDiskBytes + 512);
  auto got = disks_->Get(ctx_, DiskId());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->unique_id, d.unique_id);
  auto found = disks_->FindByUniqueId(d.unique_id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->meta.id.ToString(), DiskId().ToString());
  EXPECT_FALSE(disks_->FindByUniqueId("no-such-disk")->has_value());
  auto page = disks_->List(ctx_, {boot_.subscription_id, "rg1", std::nullopt}, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
}

TEST_F(DiskServiceTest, PutOnAnExistingDiskChangesTagsOnly) {
  domain::Disk d = Create();
  domain::DiskInput in;
  in.tags = domain::Tags{{"team", "a"}};
  auto patched = disks_->Put(ctx_, DiskId(), in, UpdateMode::kMerge);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_FALSE(patched->created);
  EXPECT_EQ(patched->resource.meta.tags, in.tags);
  EXPECT_EQ(patched->resource.unique_id, d.unique_id);
  in.upload_size_bytes = 64 * kMiB + 512;
  EXPECT_EQ(disks_->Put(ctx_, DiskId(), in, UpdateMode::kMerge).status().reason(),
            "PropertyChangeNotAllowed");
  EXPECT_EQ(disks_->Put(ctx_, DiskId("absent"), in, UpdateMode::kMerge).status().code(),
            StatusCode::kNotFound);
}

// kIfAbsent (If-None-Match: *) is checked in the create's own transaction: of creates of one
// new disk at once, exactly one succeeds and the others change nothing.
TEST_F(DiskServiceTest, ConcurrentCreatesIfAbsentCreateTheDiskExactlyOnce) {
  domain::DiskInput in;
  in.location = "westus";
  in.create_option = "Upload";
  in.upload_size_bytes = static_cast<int64_t>(kDiskBytes + 512);
  constexpr int kThreads = 8;
  for (int round = 0; round < 3; ++round) {
    const std::string name = "race" + std::to_string(round);
    std::vector<Result<Accepted<domain::Disk>>> results(kThreads, Status::Internal("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready < kThreads) {
          std::this_thread::yield();
        }
        results[t] = disks_->Put(ctx_, DiskId(name), in, UpdateMode::kReplace,
                                 domain::PutCondition::kIfAbsent);
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
    int created = 0;
    std::string unique_id;
    for (const auto& r : results) {
      if (r.ok()) {
        EXPECT_TRUE(r->created);
        unique_id = r->resource.unique_id;
        ++created;
        continue;
      }
      EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
      EXPECT_EQ(r.status().reason(), domain::kPreconditionFailedReason);
      EXPECT_EQ(r.status().message(), "The disk '" + name +
                                          "' already exists, and the request (If-None-Match: *) "
                                          "creates it only if it does not. Nothing was changed.");
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(disks_->Get(ctx_, DiskId(name))->unique_id, unique_id);
  }
  // Without a condition a PUT updates; kIfExists updates only a disk that exists.
  in.tags = domain::Tags{{"team", "a"}};
  auto updated = disks_->Put(ctx_, DiskId("race0"), in, UpdateMode::kReplace);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_FALSE(updated->created);
  EXPECT_EQ(disks_->Get(ctx_, DiskId("race0"))->meta.tags.at("team"), "a");
  EXPECT_TRUE(
      disks_->Put(ctx_, DiskId("race0"), in, UpdateMode::kReplace, domain::PutCondition::kIfExists)
          .ok());
  auto missing = disks_->Put(ctx_, DiskId("nosuch"), in, UpdateMode::kReplace,
                             domain::PutCondition::kIfExists);
  EXPECT_EQ(missing.status().reason(), domain::kPreconditionFailedReason);
  EXPECT_EQ(disks_->Get(ctx_, DiskId("nosuch")).status().code(), StatusCode::kNotFound);
}

TEST_F(DiskServiceTest, CreateInAMissingGroupOrWithoutRolesIsRefused) {
  domain::DiskInput in;
  in.location = "westus";
  in.create_option = "Upload";
  in.upload_size_bytes = static_cast<int64_t>(kDiskBytes + 512);
  const ResourceId elsewhere = ResourceId::ForResource(boot_.subscription_id, "nogroup",
                                                       "Microsoft.Compute", {{"disks", "d"}});
  EXPECT_EQ(disks_->Put(ctx_, elsewhere, in, UpdateMode::kReplace).status().reason(),
            "ResourceGroupNotFound");
  RequestContext stranger = ctx_;
  stranger.caller.object_id = "00000000-0000-0000-0000-0000000000ff";
  auto refused = disks_->Put(stranger, DiskId(), in, UpdateMode::kReplace);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(
      disks_->BeginGetAccess(stranger, DiskId(), {DiskAccessLevel::kWrite, 60}).status().code(),
      StatusCode::kPermissionDenied);
}

TEST_F(DiskServiceTest, UploadSealReadAndRevokeWalkEveryState) {
  domain::Disk d = Create();
  DiskOperation write = Grant(DiskAccessLevel::kWrite);
  EXPECT_EQ(write.disk.state, DiskState::kActiveUpload);
  EXPECT_EQ(write.operation.status, OperationStatus::kSucceeded);
  ASSERT_EQ(write.disk.grants.size(), 1u);
  EXPECT_EQ(write.disk.grants[0].id, write.operation.id);
  auto url = disks_->AccessUrlOf(ctx_, write.operation, "https://h:1");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->rfind("https://h:1/disks/" + d.unique_id +
                           "?sv=2018-03-28&sr=b&si=" + write.operation.id + "&sp=w&se=",
                       0),
            0u)
      << *url;
  // A second Write grant replaces the first: its URL is gone.
  DiskOperation rewrite = Grant(DiskAccessLevel::kWrite);
  EXPECT_EQ(disks_->AccessUrlOf(ctx_, write.operation, "https://h:1").status().reason(),
            "OperationNotAllowed");
  const std::vector<uint8_t> vhd = FixedVhd();
  ASSERT_NO_FATAL_FAILURE(Upload(rewrite.disk, vhd));

  auto end = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(end->operation.status, OperationStatus::kInProgress);
  EXPECT_EQ(end->operation.kind, domain::OperationKind::kEndGetAccess);
  EXPECT_TRUE(end->disk.grants.empty());
  // While the seal runs the disk takes no new grant and cannot be deleted.
  EXPECT_EQ(disks_->BeginGetAccess(ctx_, DiskId(), {DiskAccessLevel::kWrite, 60}).status().reason(),
            "OperationNotAllowed");
  EXPECT_EQ(disks_->Delete(ctx_, DiskId()).status().reason(), "OperationNotAllowed");
  // The operation runner leaves seals alone.
  EXPECT_EQ(*runner_->RunOnce(), 0);
  ASSERT_TRUE(disks_->Seal(end->operation.id).ok());

  EXPECT_EQ(Operation(end->operation.id).status, OperationStatus::kSucceeded);
  const std::vector<domain::Operation> ended = ended_.Take();  // for the activity log
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].id, end->operation.id);
  EXPECT_EQ(ended[0].status, OperationStatus::kSucceeded);
  domain::Disk sealed = *disks_->Get(ctx_, DiskId());
  EXPECT_EQ(sealed.state, DiskState::kUnattached);
  EXPECT_EQ(sealed.disk_size_bytes, static_cast<int64_t>(kDiskBytes));
  EXPECT_EQ(sealed.vhd_footer, std::string(vhd.end() - 512, vhd.end()));
  EXPECT_FALSE(sealed.manifest_id.empty());
  EXPECT_FALSE(fs::exists(StagingFile(d)));
  EXPECT_FALSE(fs::exists(dir_ / "uploads" / (d.unique_id + ".slots")));
  EXPECT_TRUE((*stores_->For("westus"))->ListStagedBatches()->empty());
  EXPECT_EQ(StoredChunks(), 2u);  // the two non-zero MiB

  DiskOperation read = Grant(DiskAccessLevel::kRead);
  EXPECT_EQ(read.disk.state, DiskState::kActiveSAS);
  auto bytes = disks_->OpenSealedDisk(read.disk);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  std::vector<uint8_t> back(kDiskBytes);
  ASSERT_TRUE((*bytes)->ReadAt(0, back).ok());
  EXPECT_TRUE(std::equal(back.begin(), back.end(), vhd.begin()));
  EXPECT_EQ(disks_->Delete(ctx_, DiskId()).status().reason(), "OperationNotAllowed");

  auto revoke = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(revoke.ok());
  EXPECT_EQ(revoke->operation.status, OperationStatus::kSucceeded);
  EXPECT_EQ(revoke->disk.state, DiskState::kUnattached);
  // Ending access when none is granted is a successful no-op.
  auto again = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->operation.status, OperationStatus::kSucceeded);
  EXPECT_EQ(again->disk.state, DiskState::kUnattached);
  EXPECT_EQ(disks_->BeginGetAccess(ctx_, DiskId(), {DiskAccessLevel::kWrite, 60}).status().reason(),
            "OperationNotAllowed");

  ASSERT_EQ(*disks_->Delete(ctx_, DiskId()), true);
  EXPECT_EQ(*disks_->Delete(ctx_, DiskId()), false);
  auto tx = std::move(store_->Begin(metadata::TxMode::kRead)).value();
  EXPECT_FALSE(tx->GetManifest(sealed.manifest_id)->has_value());
  EXPECT_FALSE(disks_->FindByUniqueId(d.unique_id)->has_value());
}

TEST_F(DiskServiceTest, AMalformedVhdFailsTheSealAndKeepsTheUpload) {
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  std::vector<uint8_t> vhd = FixedVhd();
  vhd[kDiskBytes] = 'X';  // the footer's cookie
  ASSERT_NO_FATAL_FAILURE(Upload(d, vhd));
  ASSERT_TRUE(disks_->Start().ok());
  auto end = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(end.ok());
  const domain::Operation op = Terminal(end->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_EQ(op.error_code, "InvalidVhd");
  // The sealer's thread tells of the end right after its commit.
  std::vector<domain::Operation> ended;
  for (int i = 0; i < 500 && ended.empty(); ++i) {
    ended = ended_.Take();
    std::this_thread::sleep_for(std::chrono::milliseconds(ended.empty() ? 10 : 0));
  }
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].status, OperationStatus::kFailed);
  EXPECT_NE(op.error_message.find("cookie"), std::string::npos) << op.error_message;
  domain::Disk back = *disks_->Get(ctx_, DiskId());
  EXPECT_EQ(back.state, DiskState::kReadyToUpload);
  EXPECT_TRUE(back.meta.operation_id.empty());
  EXPECT_TRUE(fs::exists(StagingFile(d)));
  EXPECT_EQ(StoredChunks(), 0u);
  // The owner can grant Write again, fix the footer and seal.
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto retry = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(Terminal(retry->operation.id).status, OperationStatus::kSucceeded);
  EXPECT_EQ(disks_->Get(ctx_, DiskId())->state, DiskState::kUnattached);
}

TEST_F(DiskServiceTest, AQuickSealIsAnsweredAsDoneAndAFailedOneAsRunning) {
  disk_options_.seal_answer_wait_ms = 10'000;
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(disks_->Start().ok());
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto end = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_TRUE(end->sealed_at_once);
  EXPECT_EQ(end->operation.status, OperationStatus::kSucceeded);
  EXPECT_EQ(end->disk.state, DiskState::kUnattached);
  EXPECT_FALSE(end->disk.manifest_id.empty());
  // A seal that fails is not "done": the caller polls the operation for its error.
  domain::Disk bad = Create("d2");
  Grant(DiskAccessLevel::kWrite, "d2");
  std::vector<uint8_t> vhd = FixedVhd();
  vhd[kDiskBytes] = 'X';  // the footer's cookie
  ASSERT_NO_FATAL_FAILURE(Upload(bad, vhd));
  auto failed = disks_->EndGetAccess(ctx_, DiskId("d2"));
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_FALSE(failed->sealed_at_once);
  EXPECT_EQ(failed->operation.status, OperationStatus::kFailed);
  EXPECT_EQ(failed->operation.error_code, "InvalidVhd");
  // A revocation is no seal.
  Grant(DiskAccessLevel::kRead);
  auto revoke = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(revoke.ok());
  EXPECT_FALSE(revoke->sealed_at_once);
}

// The answer waits only for a seal that runs alone: behind another one it cannot be quick, and
// the request's thread is not held for it.
TEST_F(DiskServiceTest, ASealQueuedBehindAnotherIsAnsweredAtOnce) {
  disk_options_.seal_answer_wait_ms = 2'000;
  ASSERT_NO_FATAL_FAILURE(Open());  // no sealer: seals stay queued
  for (const char* name : {"d1", "d2"}) {
    domain::Disk d = Create(name);
    Grant(DiskAccessLevel::kWrite, name);
    ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  }
  auto start = std::chrono::steady_clock::now();
  auto first = disks_->EndGetAccess(ctx_, DiskId("d1"));  // alone: waits, in vain
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1'900));
  EXPECT_FALSE(first->sealed_at_once);
  EXPECT_EQ(first->operation.status, OperationStatus::kInProgress);
  start = std::chrono::steady_clock::now();
  auto second = disks_->EndGetAccess(ctx_, DiskId("d2"));  // behind d1's: no wait
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1'000));
  EXPECT_FALSE(second->sealed_at_once);
  EXPECT_EQ(second->operation.status, OperationStatus::kInProgress);
}

TEST_F(DiskServiceTest, ASealLeftInProgressIsResumedByStart) {
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto end = disks_->EndGetAccess(ctx_, DiskId());  // no sealer running: stays InProgress
  ASSERT_TRUE(end.ok());
  Open();  // a restart
  EXPECT_EQ(Operation(end->operation.id).status, OperationStatus::kInProgress);
  ASSERT_TRUE(disks_->Start().ok());
  EXPECT_EQ(Terminal(end->operation.id).status, OperationStatus::kSucceeded);
  EXPECT_EQ(disks_->Get(ctx_, DiskId())->state, DiskState::kUnattached);
}

TEST_F(DiskServiceTest, AResumedSealWhoseChunksDidNotSurviveFailsAndTheUploadCanBeResent) {
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto end = disks_->EndGetAccess(ctx_, DiskId());  // no sealer running: stays InProgress
  ASSERT_TRUE(end.ok());
  Close();
  // A power loss cut the staged chunks short: the packs they were written to (the store holds
  // nothing else) keep 10 bytes.
  const fs::path west = dir_ / "stores/westus";
  ASSERT_TRUE(storage::PackChunkStore::IsPackStore(west));
  int packs = 0;
  for (const auto& e : fs::directory_iterator(west / "packs")) {
    if (e.path().extension() == ".pack") {
      fs::resize_file(e.path(), 10);
      ++packs;
    }
  }
  ASSERT_GT(packs, 0);
  Open();
  ASSERT_TRUE(disks_->Start().ok());
  const domain::Operation op = Terminal(end->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_EQ(op.error_code, "UploadIncomplete");
  EXPECT_NE(op.error_message.find("--resume"), std::string::npos) << op.error_message;
  EXPECT_EQ(disks_->Get(ctx_, DiskId())->state, DiskState::kReadyToUpload);
  EXPECT_EQ(StoredChunks(), 0u);
  // Writing the pages again and sealing again succeeds.
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto again = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Terminal(again->operation.id).status, OperationStatus::kSucceeded);
}

TEST_F(DiskServiceTest, ASealFailingOnIoIsTriedAgainThenFailsSayingHowOften) {
  disk_options_.seal_attempts = 3;
  disk_options_.seal_retry_delay_ms = 10;
  Open();
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  // The region store's packs folder becomes a file (the packs the upload staged its chunks in
  // stay open, their files deleted): committing the chunks into a deleted pack fails.
  const fs::path packs = dir_ / "stores/westus/packs";
  ASSERT_TRUE(fs::is_directory(packs));
  fs::remove_all(packs);
  std::ofstream(packs) << "not a folder";
  ASSERT_TRUE(disks_->Start().ok());
  auto end = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(end.ok());
  const domain::Operation op = Terminal(end->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_NE(op.error_message.find("failed 3 times"), std::string::npos) << op.error_message;
  EXPECT_NE(op.error_message.find("chunk store 'westus': cannot commit into a pack: No such file"),
            std::string::npos)
      << op.error_message;
  EXPECT_EQ(op.error_message.find(dir_.string()), std::string::npos) << op.error_message;
  EXPECT_EQ(disks_->Get(ctx_, DiskId())->state, DiskState::kReadyToUpload);
}

// A seal that cannot open the upload's files fails with a message that names the disk, the
// file in words and the OS error: it is the operation's error that clients see, and the
// server's paths are not theirs to see (they go to its log).
TEST_F(DiskServiceTest, ASealFailingOnTheUploadsFilesNamesTheDiskButNoPath) {
  disk_options_.seal_attempts = 2;
  disk_options_.seal_retry_delay_ms = 10;
  Open();
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto end = disks_->EndGetAccess(ctx_, DiskId());  // no sealer running: stays InProgress
  ASSERT_TRUE(end.ok());
  Open();  // a restart: the seal opens the upload again
  // A folder took the blob's name.
  fs::remove(StagingFile(d));
  fs::create_directories(StagingFile(d) / "x");
  ASSERT_TRUE(disks_->Start().ok());
  const domain::Operation op = Terminal(end->operation.id);
  EXPECT_EQ(op.status, OperationStatus::kFailed);
  EXPECT_EQ(op.error_code, "InternalError");
  EXPECT_EQ(op.error_message,
            "The seal failed 2 times; the last time: the upload blob of disk 'd1': cannot open "
            "its file: Is a directory");
  EXPECT_EQ(disks_->Get(ctx_, DiskId())->state, DiskState::kReadyToUpload);
}

TEST_F(DiskServiceTest, ACreateThatCannotMakeTheUploadBlobNamesTheDiskButNoPath) {
  std::ofstream(dir_ / "uploads") << "not a folder";
  domain::DiskInput in;
  in.location = "westus";
  in.create_option = "Upload";
  in.upload_size_bytes = static_cast<int64_t>(kDiskBytes + 512);
  auto put = disks_->Put(ctx_, DiskId(), in, UpdateMode::kReplace);
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(put.status().message(),
            "the upload blob of disk 'd1': cannot create its folder: Not a directory");
  EXPECT_EQ(disks_->Get(ctx_, DiskId()).status().code(), StatusCode::kNotFound);
}

TEST_F(DiskServiceTest, StartRemovesUploadBlobsAndStagedChunksOfDisksThatAreGone) {
  domain::Disk kept = Create("kept");
  Grant(DiskAccessLevel::kWrite, "kept");
  ASSERT_NO_FATAL_FAILURE(Upload(kept, FixedVhd()));
  const fs::path orphan = dir_ / "uploads" / "0000-orphan.blob";
  const fs::path orphan_slots = dir_ / "uploads" / "0000-orphan.slots";
  { std::ofstream(orphan) << "x"; }
  { std::ofstream(orphan_slots) << "x"; }
  storage::ChunkStore* store = *stores_->For("westus");
  {
    auto staged = store->OpenStagedBatch("0000-orphan");
    ASSERT_TRUE(staged.ok());
    std::vector<uint8_t> bytes(4096, 7);
    ASSERT_TRUE((*staged)->Add(storage::DigestOf(bytes), bytes).ok());
  }
  ASSERT_TRUE(disks_->Start().ok());
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_FALSE(fs::exists(orphan_slots));
  EXPECT_EQ(*store->ListStagedBatches(), std::vector<std::string>{kept.unique_id});
  EXPECT_TRUE(fs::exists(StagingFile(kept)));
  EXPECT_TRUE(fs::exists(dir_ / "uploads" / (kept.unique_id + ".slots")));
}

TEST_F(DiskServiceTest, DeletingTheGroupTakesTheDiskAndItsManifest) {
  domain::Disk d = Create();
  Grant(DiskAccessLevel::kWrite);
  ASSERT_NO_FATAL_FAILURE(Upload(d, FixedVhd()));
  auto end = disks_->EndGetAccess(ctx_, DiskId());
  ASSERT_TRUE(disks_->Seal(end->operation.id).ok());
  const std::string manifest = disks_->Get(ctx_, DiskId())->manifest_id;
  ASSERT_TRUE(
      gallery_
          ->DeleteResourceGroup(ctx_, ResourceId::ForResourceGroup(boot_.subscription_id, "rg1"))
          .ok());
  EXPECT_EQ(*runner_->RunOnce(), 1);
  auto tx = std::move(store_->Begin(metadata::TxMode::kRead)).value();
  EXPECT_FALSE(tx->GetResource(DiskId())->has_value());
  EXPECT_FALSE(tx->GetManifest(manifest)->has_value());
  EXPECT_FALSE(disks_->FindByUniqueId(d.unique_id)->has_value());
}

}  // namespace
}  // namespace gallery::service
