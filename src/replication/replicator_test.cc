#include "replication/replicator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "metadata/test_store.h"
#include "replication/replica_plan.h"
#include "replication/token_bucket.h"
#include "storage/chunks_test_util.h"
#include "storage/garbage_collector.h"
#include "storage/ingest.h"
#include "storage/manifest.h"
#include "storage/region_stores.h"
#include "storage/stored_chunk_test_util.h"

namespace gallery::replication {
namespace {

using domain::GalleryImageVersion;
using domain::Replica;
using domain::ReplicationState;

constexpr uint32_t kChunk = 4096;
constexpr int kChunks = 40;  // 38 with data, 2 zero
constexpr TimestampMs kStart = 1'800'000'000'000;

// A ChunkStore that forwards to another and counts its reads.
class CountingStore final : public storage::ForwardingChunkStore {
 public:
  using ForwardingChunkStore::ForwardingChunkStore;
  Result<std::vector<uint8_t>> Read(const storage::ChunkDigest& d) override {
    ++reads;
    return inner_.Read(d);
  }

  std::atomic<int> reads{0};
};

// A ChunkStore that forwards to another until its `fail_after`th ContainsWhole, which fails
// like a disk gone bad, as does every one after it.
class FailingStore final : public storage::ForwardingChunkStore {
 public:
  FailingStore(storage::ChunkStore& inner, int fail_after)
      : ForwardingChunkStore(inner), fail_after_(fail_after) {}
  Result<bool> ContainsWhole(const storage::ChunkDigest& d, uint64_t length) override {
    if (++calls_ >= fail_after_) {
      return Status::Unavailable("westus: Input/output error");
    }
    return inner_.ContainsWhole(d, length);
  }

 private:
  const int fail_after_;
  std::atomic<int> calls_{0};
};

// southcentralus (the source, two stores), eastus (two stores), westus (one store).
const char* kCatalog = R"({"regions":[
  {"name":"southcentralus","galleries":true,"replication":true,
   "stores":[{},{"name":"southcentralus-2"}]},
  {"name":"eastus","replication":true,"stores":[{},{"name":"eastus-2"}]},
  {"name":"westus","replication":true}]})";

class ReplicatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = metadata::test_support::FreshTestDir("replicator-test");
    ASSERT_NO_FATAL_FAILURE(metadata::test_support::OpenTestStore(dir_, store_));
    auto catalog = domain::RegionCatalog::FromJson(nlohmann::json::parse(kCatalog));
    ASSERT_TRUE(catalog.ok());
    catalog_ = std::make_unique<domain::RegionCatalog>(*catalog);
    stores_ = std::make_unique<storage::RegionStores>(dir_ / "stores");
  }
  void TearDown() override {
    replicator_.reset();
    stores_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void MakeReplicator(ReplicatorOptions options = {}) {
    replicator_ = std::make_unique<Replicator>(
        *store_, *catalog_,
        [this](const std::string& name) -> Result<storage::ChunkStore*> {
          if (on_store_) {
            on_store_(name);
          }
          if (broken_.count(name) > 0) {
            return Status::Unavailable(name + ": Input/output error");
          }
          if (counted_ != nullptr && name == "southcentralus") {
            return counted_.get();
          }
          if (failing_ != nullptr && name == "westus") {
            return failing_.get();
          }
          return stores_->For(name);
        },
        clock_, *random_, std::move(options));
    replicator_->OnSettled([this](const ResourceId& id) {
      std::lock_guard<std::mutex> lock(mu_);
      settled_.push_back(id.ToString());
      cv_.notify_all();
    });
  }

  storage::ChunkStore& Store(const std::string& name) {
    auto s = stores_->For(name);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return **s;
  }

  static std::vector<uint8_t> ChunkBytes(int i) {
    std::vector<uint8_t> b(kChunk);
    for (uint32_t j = 0; j < kChunk; ++j) {
      b[j] = static_cast<uint8_t>((i * 131 + j * 7) % 251 + 1);
    }
    return b;
  }

  // A version with a 40-chunk OS disk whose data lives in southcentralus, planned for
  // eastus=2 (two stores), westus=1 and southcentralus=1.
  void MakeVersion() {
    storage::Manifest m{uint64_t{kChunk} * kChunks, kChunk, {}};
    auto batch = Store("southcentralus").BeginBatch();
    for (int i = 0; i < kChunks; ++i) {
      if (i % 20 == 7) {
        m.chunks.emplace_back();  // all zeros: not stored
        continue;
      }
      std::vector<uint8_t> bytes = ChunkBytes(i);
      const storage::ChunkDigest d = storage::DigestOf(bytes);
      ASSERT_TRUE(batch->Add(d, bytes).ok());
      m.chunks.emplace_back(d);
      digests_.push_back(d);
    }
    ASSERT_TRUE(batch->Commit().ok());
    GalleryImageVersion v;
    v.meta.id = *ResourceId::Parse(
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d/"
        "versions/1.0.0");
    v.meta.location = "southcentralus";
    v.meta.provisioning_state = domain::ProvisioningState::kCreating;
    v.meta.operation_id = "op1";
    v.version = SemVer{1, 0, 0};
    v.target_regions = {domain::TargetRegion{"southcentralus", std::nullopt, "Standard_LRS", {}, {}},
                        domain::TargetRegion{"eastus", 2, "Standard_LRS", {}, {}},
                        domain::TargetRegion{"westus", std::nullopt, "Standard_LRS", {}, {}}};
    v.os_disk_image.manifest_id = "source-os";
    v.os_disk_image.size_bytes = static_cast<int64_t>(m.virtual_size);
    Reconcile(&v, StoresOf, {});
    id_ = v.meta.id;
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutManifest({"source-os", "southcentralus", storage::EncodeManifest(m),
                                    kStart}).ok());
    ASSERT_TRUE((*tx)->PutResource(v).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  static std::vector<std::string> StoresOf(const std::string& region) {
    if (region == "eastus" || region == "southcentralus") {
      return {region, region + "-2"};
    }
    return {region};
  }

  GalleryImageVersion Current() {
    auto found = store_->FindResource(id_);
    EXPECT_TRUE(found.ok() && *found != nullptr);
    return std::get<GalleryImageVersion>(**found);
  }

  std::vector<Replica> ReplicasIn(const std::string& region) {
    std::vector<Replica> out;
    for (const Replica& r : Current().replicas) {
      if (r.region == region) {
        out.push_back(r);
      }
    }
    return out;
  }

  int Holds(const std::string& store) {
    int n = 0;
    for (const storage::ChunkDigest& d : digests_) {
      auto has = Store(store).Contains(d);
      n += has.ok() && *has ? 1 : 0;
    }
    return n;
  }

  std::map<std::pair<std::string, std::string>, int64_t> Egress() {
    std::map<std::pair<std::string, std::string>, int64_t> out;
    auto tx = store_->Begin(metadata::TxMode::kRead);
    auto all = (*tx)->ListEgress();
    EXPECT_TRUE(all.ok());
    for (const metadata::EgressTotal& e : *all) {
      out[{e.source, e.target}] = e.bytes;
    }
    return out;
  }

  int64_t DataBytes() const { return static_cast<int64_t>(digests_.size()) * kChunk; }

  // Options of a job that runs its requests in order, `per_request` chunks each, and records
  // the live progress of `region` at each request on the link, `step_ms` apart.
  ReplicatorOptions SamplingLive(const std::string& region, int per_request, int64_t step_ms,
                                 std::vector<domain::LiveReplication>* seen) {
    ReplicatorOptions options;
    options.threads_per_job = 1;
    options.request_bytes = uint64_t{kChunk} * per_request;
    options.link = [this, region, step_ms, seen](const std::string&, const std::string&, uint64_t,
                                                 const std::atomic<bool>*) {
      seen->push_back(replicator_->Live(id_, region).value_or(domain::LiveReplication{}));
      clock_.Advance(step_ms);
      return Status::Ok();
    };
    return options;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<domain::RegionCatalog> catalog_;
  std::unique_ptr<storage::RegionStores> stores_;
  std::unique_ptr<Replicator> replicator_;
  std::set<std::string> broken_;
  std::function<void(const std::string& store)> on_store_;  // called as a job asks for a store
  std::unique_ptr<CountingStore> counted_;  // when set, jobs get it as southcentralus
  std::unique_ptr<FailingStore> failing_;   // when set, jobs get it as westus
  std::vector<storage::ChunkDigest> digests_;
  ResourceId id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> settled_;
};

TEST_F(ReplicatorTest, FillsEveryStoreOfTheRegionAndRecordsTheReplicasManifests) {
  MakeReplicator();
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  EXPECT_EQ(Holds("eastus"), static_cast<int>(digests_.size()));
  EXPECT_EQ(Holds("eastus-2"), static_cast<int>(digests_.size()));
  std::vector<Replica> east = ReplicasIn("eastus");
  ASSERT_EQ(east.size(), 2u);
  for (const Replica& r : east) {
    EXPECT_EQ(r.state, ReplicationState::kCompleted);
    ASSERT_EQ(r.manifests.size(), 1u);
    auto tx = store_->Begin(metadata::TxMode::kRead);
    auto record = (*tx)->GetManifest(r.manifests[0]);
    ASSERT_TRUE(record.ok() && record->has_value());
    EXPECT_EQ((*record)->store, r.store);
    auto source = (*tx)->GetManifest("source-os");
    EXPECT_EQ((*record)->body, (*source)->body);
  }
  // ... as copies of the source's manifest: one body for the three.
  int manifests = 0;
  {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    ASSERT_TRUE((*tx)
                    ->ForEachManifest([&](const metadata::ManifestRecord&) {
                      ++manifests;
                      return Status::Ok();
                    })
                    .ok());
  }
  EXPECT_EQ(manifests, 3);
  EXPECT_EQ(metadata::test_support::StoredManifestBodies(dir_), 1);
  // The bytes crossed the link once and were written to both stores.
  EXPECT_EQ(Egress(), (std::map<std::pair<std::string, std::string>, int64_t>{
                          {{"southcentralus", "eastus"}, DataBytes()}}));
  EXPECT_TRUE(settled_.empty());  // westus and southcentralus are still pending

  ASSERT_TRUE(replicator_->RunRegion(id_, "southcentralus").ok());
  EXPECT_EQ(ReplicasIn("southcentralus")[0].state, ReplicationState::kCompleted);
  EXPECT_EQ(Egress().size(), 1u);  // the source region's own store: nothing crossed
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
  EXPECT_EQ(settled_, std::vector<std::string>{id_.ToString()});
  EXPECT_FALSE(domain::ReplicationPending(Current()));
}

TEST_F(ReplicatorTest, AResumedJobCopiesOnlyTheChunksTheStoresLack) {
  MakeReplicator();
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  // What a job killed midway left behind: half the chunks durable in westus.
  auto batch = Store("westus").BeginBatch();
  for (size_t i = 0; i < digests_.size() / 2; ++i) {
    auto bytes = Store("southcentralus").Read(digests_[i]);
    ASSERT_TRUE(batch->Add(digests_[i], *bytes).ok());
  }
  ASSERT_TRUE(batch->Commit().ok());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
  EXPECT_EQ((Egress()[{"southcentralus", "westus"}]),
            static_cast<int64_t>(digests_.size() - digests_.size() / 2) * kChunk);
  EXPECT_EQ(ReplicasIn("westus")[0].state, ReplicationState::kCompleted);
}

// Two regions fed from the source store: the second job is served the chunks the first read
// and verified there, and each region still counts them as egress from the source region.
TEST_F(ReplicatorTest, RegionsShareTheChunksReadFromTheSourceStore) {
  MakeReplicator();
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  counted_ = std::make_unique<CountingStore>(Store("southcentralus"));
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(counted_->reads, static_cast<int>(digests_.size()));
  EXPECT_EQ(Holds("eastus"), static_cast<int>(digests_.size()));
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
  auto copy = Store("westus").Read(digests_[5]);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(*copy, ChunkBytes(5));  // chunks 0-6 are digests 0-6
  EXPECT_EQ(Egress(), (std::map<std::pair<std::string, std::string>, int64_t>{
                          {{"southcentralus", "eastus"}, DataBytes()},
                          {{"southcentralus", "westus"}, DataBytes()}}));
}

TEST_F(ReplicatorTest, WithNothingKeptEachRegionReadsTheSourceStoreItself) {
  MakeReplicator({.shared_read_bytes = 0});
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  counted_ = std::make_unique<CountingStore>(Store("southcentralus"));
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(counted_->reads, 2 * static_cast<int>(digests_.size()));
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
}

// Nothing kept from westus's job, so eastus's reads meet the damage.
TEST_F(ReplicatorTest, ADamagedSourceChunkIsReadFromAnotherCompleteReplica) {
  MakeReplicator({.shared_read_bytes = 0});
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  // Damage one chunk of the source store (same length, other bytes).
  const std::optional<storage::StoredChunk> damaged =
      storage::FindStoredChunk(stores_->PathOf("southcentralus"), digests_[3]);
  ASSERT_TRUE(damaged.has_value());
  for (uint64_t at = 100; at < 104; ++at) {
    ASSERT_TRUE(storage::FlipStoredByte(*damaged, at));
  }
  EXPECT_EQ(Store("southcentralus").Read(digests_[3]).status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  EXPECT_EQ(Holds("eastus-2"), static_cast<int>(digests_.size()));
  auto copy = Store("eastus").Read(digests_[3]);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(*copy, ChunkBytes(3));
  auto egress = Egress();
  EXPECT_EQ((egress[{"westus", "eastus"}]), int64_t{kChunk});  // the one chunk it lent
  EXPECT_EQ((egress[{"southcentralus", "eastus"}]), DataBytes() - kChunk);
}

// A target failing mid-pass, with the job's four threads surveying and copying at once: every
// thread ends, the job returns the failure, and the attempt is recorded with it.
TEST_F(ReplicatorTest, ATargetFailingMidPassEndsEveryThreadOfTheJobWithItsError) {
  MakeReplicator({.threads_per_job = 4, .max_attempts = 3, .request_bytes = 2 * kChunk});
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  failing_ = std::make_unique<FailingStore>(Store("westus"), 20);  // of 38
  Status s = replicator_->RunRegion(id_, "westus");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("Input/output error"), std::string::npos) << s.ToString();
  const Replica west = ReplicasIn("westus")[0];
  EXPECT_EQ(west.state, ReplicationState::kReplicating);  // retried later
  EXPECT_EQ(west.attempts, 1);
  EXPECT_NE(west.details.find("Input/output error"), std::string::npos) << west.details;
  EXPECT_FALSE(replicator_->Live(id_, "westus").has_value());  // the job is over
  EXPECT_LT(Holds("westus"), static_cast<int>(digests_.size()));
}

TEST_F(ReplicatorTest, SourceDataMissingOrDamagedIsAFailedAttemptWithItsReason) {
  MakeReplicator();
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  auto put = [&](const std::function<Status(metadata::Transaction&)>& change) {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(change(**tx).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  };
  put([](metadata::Transaction& tx) {
    return tx.PutManifest({"source-os", "southcentralus", "not a manifest", kStart});
  });
  Status damaged = replicator_->RunRegion(id_, "westus");
  EXPECT_EQ(damaged.code(), StatusCode::kInvalidArgument) << damaged.ToString();
  Replica west = ReplicasIn("westus")[0];
  EXPECT_EQ(west.attempts, 1);
  EXPECT_NE(west.details.find("not a Gallery manifest"), std::string::npos) << west.details;

  put([](metadata::Transaction& tx) { return tx.DeleteManifest("source-os"); });
  Status missing = replicator_->RunRegion(id_, "eastus");
  EXPECT_EQ(missing.code(), StatusCode::kDataLoss) << missing.ToString();
  for (const Replica& r : ReplicasIn("eastus")) {
    EXPECT_EQ(r.attempts, 1);
    EXPECT_NE(r.details.find("the version's data (manifest 'source-os') is missing"),
              std::string::npos)
        << r.details;
  }
  EXPECT_EQ(Holds("eastus"), 0);
}

TEST_F(ReplicatorTest, AnUnavailableStoreIsRetriedWithBackoffThenFailsWithItsReason) {
  MakeReplicator({.max_attempts = 2, .retry_base_ms = 1000, .retry_max_ms = 1000});
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  broken_.insert("eastus-2");
  Status first = replicator_->RunRegion(id_, "eastus");
  EXPECT_EQ(first.code(), StatusCode::kUnavailable);
  std::vector<Replica> east = ReplicasIn("eastus");
  for (const Replica& r : east) {
    EXPECT_EQ(r.state, ReplicationState::kReplicating);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_GE(r.retry_at, kStart + 500);  // the base delay, jittered down by at most half
    EXPECT_LE(r.retry_at, kStart + 1000);
    EXPECT_NE(r.details.find("Attempt 1 of 2 failed"), std::string::npos) << r.details;
    EXPECT_NE(r.details.find("eastus-2"), std::string::npos) << r.details;
  }
  // Not due before its retry time: nothing happens.
  EXPECT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  EXPECT_EQ(ReplicasIn("eastus")[0].attempts, 1);
  // Other regions carry on.
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  ASSERT_TRUE(replicator_->RunRegion(id_, "southcentralus").ok());
  EXPECT_TRUE(settled_.empty());
  clock_.Advance(1000);
  EXPECT_FALSE(replicator_->RunRegion(id_, "eastus").ok());
  for (const Replica& r : ReplicasIn("eastus")) {
    EXPECT_EQ(r.state, ReplicationState::kFailed);
    EXPECT_NE(r.details.find("failed after 2 attempts"), std::string::npos) << r.details;
  }
  EXPECT_TRUE(domain::ReplicationFailed(Current()));
  EXPECT_EQ(settled_.size(), 1u);
  EXPECT_TRUE(domain::RegionUsable(Current(), "westus"));
  // The store comes back and a new plan (a user's update) retries it.
  broken_.clear();
  GalleryImageVersion v = Current();
  Reconcile(&v, StoresOf, {.retry_failed = true});
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->PutResource(v).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  EXPECT_TRUE(domain::RegionUsable(Current(), "eastus"));
}

TEST_F(ReplicatorTest, AJobStopsWhenItsVersionIsDeletedRecordsNoReplicaButCountsEgress) {
  ReplicatorOptions options;
  options.threads_per_job = 1;  // requests in order
  options.request_bytes = 4 * kChunk;
  int requests = 0;
  options.link = [&](const std::string&, const std::string&, uint64_t,
                     const std::atomic<bool>*) {
    if (++requests == 2) {
      auto tx = store_->Begin(metadata::TxMode::kWrite);
      EXPECT_TRUE((*tx)->DeleteResource(id_).ok());
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  Status s = replicator_->RunRegion(id_, "westus");
  EXPECT_TRUE(storage::IsCancelled(s)) << s.ToString();
  EXPECT_EQ(requests, 2);  // stopped at the next request
  EXPECT_LT(Holds("westus"), static_cast<int>(digests_.size()));
  auto tx = store_->Begin(metadata::TxMode::kRead);
  int manifests = 0;
  ASSERT_TRUE((*tx)->ForEachManifest([&](const metadata::ManifestRecord&) {
    ++manifests;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(manifests, 1);  // only the source
  // Both requests crossed the link (the second was dropped after it, not written), and no
  // batch was committed: the egress still counts them.
  EXPECT_EQ((Egress()[{"southcentralus", "westus"}]), 2 * 4 * int64_t{kChunk});
}

// A version deleted and created again under its name while a job copies its old data: the
// job's chunks complete none of the new version's replicas, whose next job copies their data.
TEST_F(ReplicatorTest, AVersionCreatedAgainWithOtherDataIsNotCompletedWithTheOld) {
  ReplicatorOptions options;
  options.threads_per_job = 1;
  options.request_bytes = 4 * kChunk;
  storage::Manifest next{uint64_t{kChunk} * 3, kChunk, {}};
  int requests = 0;
  options.link = [&](const std::string&, const std::string&, uint64_t, const std::atomic<bool>*) {
    if (++requests == 1) {
      GalleryImageVersion again = Current();
      again.os_disk_image.manifest_id = "source-os-2";
      for (Replica& r : again.replicas) {
        r.state = ReplicationState::kQueued;
      }
      for (int i = 0; i < 3; ++i) {
        next.chunks.emplace_back(digests_[i]);
      }
      auto tx = store_->Begin(metadata::TxMode::kWrite);
      EXPECT_TRUE((*tx)->DeleteResource(id_).ok());
      EXPECT_TRUE((*tx)
                      ->PutManifest(
                          {"source-os-2", "southcentralus", storage::EncodeManifest(next), kStart})
                      .ok());
      EXPECT_TRUE((*tx)->PutResource(again).ok());
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(ReplicasIn("westus")[0].state, ReplicationState::kQueued);
  EXPECT_TRUE(ReplicasIn("westus")[0].manifests.empty());

  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  const Replica west = ReplicasIn("westus")[0];
  EXPECT_EQ(west.state, ReplicationState::kCompleted);
  ASSERT_EQ(west.manifests.size(), 1u);
  auto tx = store_->Begin(metadata::TxMode::kRead);
  auto record = (*tx)->GetManifest(west.manifests[0]);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->body, storage::EncodeManifest(next));
}

// With several threads, the thread that finds its version gone stops the others while they
// wait on the link, and what had already crossed the link is dropped, not written.
TEST_F(ReplicatorTest, ADeletedVersionStopsEveryThreadOfItsJobEvenOnTheLink) {
  ReplicatorOptions options;
  options.threads_per_job = 4;
  options.request_bytes = 1 * kChunk;
  std::mutex mu;
  std::condition_variable others_on_link;
  int calls = 0;
  int released = 0;   // waits ended by the job's stop flag
  int timed_out = 0;  // waits nobody ended
  options.link = [&](const std::string&, const std::string&, uint64_t,
                     const std::atomic<bool>* cancel) -> Status {
    {
      std::unique_lock<std::mutex> lock(mu);
      if (++calls == 1) {
        // The first request arrives after the version is deleted, once another thread is
        // waiting on the link too.
        others_on_link.wait_for(lock, std::chrono::seconds(5), [&] { return calls >= 2; });
        auto tx = store_->Begin(metadata::TxMode::kWrite);
        EXPECT_TRUE((*tx)->DeleteResource(id_).ok());
        EXPECT_TRUE((*tx)->Commit().ok());
        return Status::Ok();
      }
      others_on_link.notify_all();
    }
    // Every other request: a slow link, until the job's stop flag says to give up.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!*cancel && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard<std::mutex> lock(mu);
    ++(*cancel ? released : timed_out);
    return *cancel ? TransferCancelledStatus() : Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  const auto start = std::chrono::steady_clock::now();
  Status s = replicator_->RunRegion(id_, "westus");
  EXPECT_TRUE(storage::IsCancelled(s)) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(timed_out, 0);
  EXPECT_GE(released, 1);  // at least one other thread was on the link
  EXPECT_EQ(Holds("westus"), 0);
}

TEST_F(ReplicatorTest, AJobStopsWhenItsRegionIsPlannedAwayAndTheOthersAreKept) {
  ReplicatorOptions options;
  options.threads_per_job = 1;  // requests in order
  options.request_bytes = 4 * kChunk;
  int requests = 0;
  options.link = [&](const std::string&, const std::string& to, uint64_t,
                     const std::atomic<bool>*) {
    if (to == "westus" && ++requests == 2) {
      GalleryImageVersion v = Current();
      v.target_regions.pop_back();  // westus
      EXPECT_EQ(Reconcile(&v, StoresOf, {}).size(), 1u);
      auto tx = store_->Begin(metadata::TxMode::kWrite);
      EXPECT_TRUE((*tx)->PutResource(v).ok());
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  EXPECT_TRUE(storage::IsCancelled(replicator_->RunRegion(id_, "westus")));
  EXPECT_TRUE(ReplicasIn("westus").empty());
  EXPECT_EQ(ReplicasIn("eastus").size(), 2u);
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  ASSERT_TRUE(replicator_->RunRegion(id_, "southcentralus").ok());
  EXPECT_EQ(settled_.size(), 1u);
}

TEST_F(ReplicatorTest, LoweringACountStopsWritesIntoTheDroppedStoreAndItsProgress) {
  ReplicatorOptions options;
  options.threads_per_job = 1;  // requests in order
  options.request_bytes = 4 * kChunk;
  int requests = 0;
  std::vector<domain::LiveReplication> seen;
  options.link = [&](const std::string&, const std::string& to, uint64_t,
                     const std::atomic<bool>*) {
    if (to != "eastus") {
      return Status::Ok();
    }
    if (++requests == 2) {
      GalleryImageVersion v = Current();
      v.target_regions[1].regional_replica_count = 1;  // eastus=2 -> 1: eastus-2 is dropped
      Reconcile(&v, StoresOf, {});
      auto tx = store_->Begin(metadata::TxMode::kWrite);
      EXPECT_TRUE((*tx)->PutResource(v).ok());
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    seen.push_back(replicator_->Live(id_, "eastus").value_or(domain::LiveReplication{}));
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  ASSERT_EQ(ReplicasIn("eastus").size(), 1u);
  EXPECT_EQ(ReplicasIn("eastus")[0].store, "eastus");
  EXPECT_EQ(ReplicasIn("eastus")[0].state, ReplicationState::kCompleted);
  EXPECT_EQ(Holds("eastus"), static_cast<int>(digests_.size()));
  // The request on the link when the count was lowered is the last one written there.
  EXPECT_LE(Holds("eastus-2"), 4);
  ASSERT_EQ(seen.size(), 10u);  // 38 chunks in requests of 4
  // Each chunk counts once however many stores receive it: the bytes stay; the replicas drop.
  EXPECT_EQ(seen[1].bytes_total, DataBytes());
  EXPECT_EQ(seen[1].replicas, 2);
  EXPECT_EQ(seen[2].bytes_total, DataBytes());
  EXPECT_EQ(seen[2].replicas, 1);  // one store from the next request on
  EXPECT_EQ(seen[2].bytes_done, 2 * 4 * int64_t{kChunk});
}

// audit c#10 c: westus's count raised 1 -> 2 while its replica is copied (the new replica
// shares the store). The region stays Replicating throughout, also between the two jobs, and
// its progress only drops to the new total's share, then climbs.
TEST_F(ReplicatorTest, ACountRaisedWhileCopyingKeepsTheRegionReplicatingAndItsProgress) {
  ReplicatorOptions options;
  options.threads_per_job = 1;  // requests in order
  options.request_bytes = 4 * kChunk;
  auto westus = [this] {
    return domain::SummarizeReplication(
        Current(), [this](const std::string& region) { return replicator_->Live(id_, region); })[2];
  };
  int requests = 0;
  std::vector<domain::RegionReplication> seen;
  options.link = [&](const std::string&, const std::string& to, uint64_t,
                     const std::atomic<bool>*) {
    if (to != "westus") {
      return Status::Ok();
    }
    if (++requests == 3) {
      GalleryImageVersion v = Current();
      v.target_regions[2].regional_replica_count = 2;
      Reconcile(&v, StoresOf, {});
      auto tx = store_->Begin(metadata::TxMode::kWrite);
      EXPECT_TRUE((*tx)->PutResource(v).ok());
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    seen.push_back(westus());
    clock_.Advance(1000);
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  seen.push_back(westus());  // replica 0 complete, replica 1 not begun
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  const domain::RegionReplication done = westus();
  EXPECT_EQ(done.state, ReplicationState::kCompleted);
  EXPECT_EQ(done.replicas_done, 2);

  ASSERT_EQ(seen.size(), 10u + 1);  // 38 chunks in requests of 4, then between the jobs
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].state, ReplicationState::kReplicating) << i;
    EXPECT_LE(seen[i].bytes_per_second, 4.0 * kChunk) << i;  // 4 chunks a second at most
  }
  EXPECT_EQ(seen[1].bytes_total, DataBytes());
  EXPECT_EQ(seen[1].replicas_total, 1);
  EXPECT_EQ(seen[2].bytes_total, 2 * DataBytes());
  EXPECT_EQ(seen[2].replicas_total, 2);
  EXPECT_EQ(seen[2].progress, seen[2].bytes_done * 100 / seen[2].bytes_total);
  EXPECT_GE(seen[2].progress, seen[1].progress / 2);
  for (size_t i = 3; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].progress, seen[i - 1].progress) << i;
  }
  EXPECT_EQ(seen.back().replicas_done, 1);
  EXPECT_EQ(seen.back().progress, 50);
}

// A pack store's form of chunk files of an impossible size: records a pack does not hold whole.
TEST_F(ReplicatorTest, ChunksAPackDoesNotHoldWholeInTheTargetAreCopiedAgain) {
  MakeReplicator();
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  // westus holds two of the chunks already, one after the other in its pack.
  for (int i : {0, 1}) {
    auto batch = Store("westus").BeginBatch();
    ASSERT_TRUE(batch->Add(digests_[i], *Store("southcentralus").Read(digests_[i])).ok());
    ASSERT_TRUE(batch->Commit().ok());
  }
  const std::filesystem::path west_dir = stores_->PathOf("westus");
  ASSERT_TRUE(storage::PackChunkStore::IsPackStore(west_dir));
  std::optional<storage::StoredChunk> first = storage::FindStoredChunk(west_dir, digests_[0]);
  std::optional<storage::StoredChunk> second = storage::FindStoredChunk(west_dir, digests_[1]);
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_EQ(first->file, second->file);
  if (first->offset > second->offset) {
    first.swap(second);
  }
  // A restart after the pack was cut short in the middle of the first chunk's record: of the
  // second none is left. (Cut while closed: an open store keeps appending to its newest pack.)
  stores_.reset();
  std::filesystem::resize_file(first->file, first->offset + first->length / 2);
  stores_ = std::make_unique<storage::RegionStores>(dir_ / "stores");
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(ReplicasIn("westus")[0].state, ReplicationState::kCompleted);
  for (int i : {0, 1}) {
    auto back = Store("westus").Read(digests_[i]);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, *Store("southcentralus").Read(digests_[i]));
  }
  EXPECT_EQ((Egress()[{"southcentralus", "westus"}]), DataBytes());  // both sent again
}

TEST_F(ReplicatorTest, AfterASlowPassEveryChunkIsConfirmedAgainAndWhatWasTakenIsCopied) {
  ReplicatorOptions options;
  options.threads_per_job = 1;  // requests in order
  options.request_bytes = 4 * kChunk;
  int requests = 0;
  options.link = [&](const std::string&, const std::string&, uint64_t,
                     const std::atomic<bool>*) {
    if (++requests == 3) {
      // Garbage collection took a chunk this job had found present, and the pass is slow.
      EXPECT_TRUE(Store("westus").Remove(digests_[0]).ok());
      clock_.Advance(storage::kGcGraceMs / 2 + 1);
    }
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  {
    auto batch = Store("westus").BeginBatch();
    ASSERT_TRUE(batch->Add(digests_[0], *Store("southcentralus").Read(digests_[0])).ok());
    ASSERT_TRUE(batch->Commit().ok());
  }
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
  EXPECT_EQ(requests, 10 + 1);  // 38 chunks in requests of 4, then the one copied again
  EXPECT_EQ(ReplicasIn("westus")[0].state, ReplicationState::kCompleted);
}

// The same with a chunk the job itself wrote and committed early in the slow pass: the job's
// batch must write it again when the next pass finds it gone.
TEST_F(ReplicatorTest, AChunkTheJobWroteAndACollectionTookIsWrittenAgain) {
  ReplicatorOptions options;
  options.threads_per_job = 1;  // requests in order
  options.request_bytes = 4 * kChunk;
  options.commit_bytes = 4 * kChunk;  // every request committed
  int requests = 0;
  options.link = [&](const std::string&, const std::string&, uint64_t, const std::atomic<bool>*) {
    if (++requests == 3) {  // chunks 0-3 went out with the first request and are committed
      EXPECT_TRUE(Store("westus").Remove(digests_[0]).ok());
      clock_.Advance(storage::kGcGraceMs / 2 + 1);
    }
    return Status::Ok();
  };
  MakeReplicator(std::move(options));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  EXPECT_EQ(requests, 10 + 1);  // 38 chunks in requests of 4, then the one copied again
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
  EXPECT_EQ(ReplicasIn("westus")[0].state, ReplicationState::kCompleted);
}

// audit c#10 e: eastus has two stores; each chunk crosses the link once and is written into
// both. Bytes and rate count it once: the rate is the link's, not the sum of the stores' writes.
TEST_F(ReplicatorTest, LiveProgressCountsEachChunkOnceHoweverManyStoresReceiveIt) {
  std::vector<domain::LiveReplication> seen;
  MakeReplicator(SamplingLive("eastus", 10, 100, &seen));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  EXPECT_FALSE(replicator_->Live(id_, "eastus").has_value());
  ASSERT_TRUE(replicator_->RunRegion(id_, "eastus").ok());
  ASSERT_EQ(seen.size(), 4u);  // 38 chunks in requests of 10, 100 ms each on the link
  EXPECT_EQ(seen[0].bytes_total, DataBytes());
  EXPECT_EQ(seen[0].replicas, 2);
  EXPECT_EQ(seen[0].bytes_done, 0);
  EXPECT_EQ(seen[1].bytes_done, 10 * int64_t{kChunk});
  EXPECT_DOUBLE_EQ(seen[3].bytes_per_second, 10.0 * kChunk / 0.1);  // 10 chunks per 100 ms
  EXPECT_EQ(Holds("eastus"), static_cast<int>(digests_.size()));
  EXPECT_EQ(Holds("eastus-2"), static_cast<int>(digests_.size()));
  EXPECT_FALSE(replicator_->Live(id_, "eastus").has_value());  // over
}

// After a restart most chunks are found present: they are done, but they did not cross the
// link, so they must not make the rate (and the ETA) absurd.
TEST_F(ReplicatorTest, ChunksFoundPresentCountAsDoneButNotInTheRate) {
  std::vector<domain::LiveReplication> seen;
  MakeReplicator(SamplingLive("westus", 4, 1000, &seen));
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  {
    // All but every fourth chunk were copied before the restart.
    auto batch = Store("westus").BeginBatch();
    for (size_t i = 0; i < digests_.size(); ++i) {
      if (i % 4 != 3) {
        ASSERT_TRUE(batch->Add(digests_[i], *Store("southcentralus").Read(digests_[i])).ok());
      }
    }
    ASSERT_TRUE(batch->Commit().ok());
  }
  ASSERT_TRUE(replicator_->RunRegion(id_, "westus").ok());
  // Only the 9 missing chunks are sent, in requests of 4, one second apart on the link: the
  // present ones take no request of their own. The first request leaves once the survey has
  // found 4 missing chunks (of chunks 0-15), the 12 present among them already done. Counting
  // the present ones in the rate made it 16 chunks a second.
  ASSERT_EQ(digests_.size(), 38u);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].bytes_done, 12 * int64_t{kChunk});
  EXPECT_GE(seen[2].bytes_done, seen[1].bytes_done + 4 * int64_t{kChunk});
  for (const domain::LiveReplication& live : seen) {
    EXPECT_LE(live.bytes_per_second, 4.0 * kChunk);  // at most what was written, per second
  }
  EXPECT_EQ(Holds("westus"), static_cast<int>(digests_.size()));
  EXPECT_EQ((Egress()[{"southcentralus", "westus"}]), 9 * int64_t{kChunk});
}

TEST_F(ReplicatorTest, WorkersRunKickedRegionsUntilTheVersionSettles) {
  MakeReplicator({.workers = 2, .threads_per_job = 4, .request_bytes = 2 * kChunk,
                  .commit_bytes = 5 * kChunk});
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  replicator_->Start();
  replicator_->Kick(id_);
  replicator_->Kick(id_);  // queued once
  std::unique_lock<std::mutex> lock(mu_);
  ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(30), [&] { return !settled_.empty(); }));
  lock.unlock();
  replicator_->Stop();
  for (const Replica& r : Current().replicas) {
    EXPECT_EQ(r.state, ReplicationState::kCompleted) << r.region << r.index;
  }
  for (const char* store : {"eastus", "eastus-2", "westus", "southcentralus"}) {
    EXPECT_EQ(Holds(store), static_cast<int>(digests_.size())) << store;
  }
}

// The source region's job is queued ahead of the others (eastus sorts before southcentralus):
// the region where the bytes are is usable first, even with one worker.
TEST_F(ReplicatorTest, TheSourceRegionIsServedBeforeOtherRegions) {
  MakeReplicator({.workers = 1});
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  std::optional<bool> source_done_before_others;
  on_store_ = [&](const std::string& store) {
    if (!store.starts_with("southcentralus") && !source_done_before_others.has_value()) {
      bool done = true;
      for (const Replica& r : ReplicasIn("southcentralus")) {
        done = done && r.state == ReplicationState::kCompleted;
      }
      source_done_before_others = done;
    }
  };
  replicator_->Kick(id_);  // queued before the worker starts: the order is the queue's
  replicator_->Start();
  std::unique_lock<std::mutex> lock(mu_);
  ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(30), [&] { return !settled_.empty(); }));
  lock.unlock();
  replicator_->Stop();
  ASSERT_TRUE(source_done_before_others.has_value());
  EXPECT_TRUE(*source_done_before_others);
}

TEST_F(ReplicatorTest, AVersionWithoutDataCompletesWithoutTouchingAStore) {
  MakeReplicator();
  GalleryImageVersion v;
  v.meta.id = *ResourceId::Parse(
      "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d/"
      "versions/2.0.0");
  v.target_regions = {domain::TargetRegion{"westus", 2, "Standard_LRS", {}, {}}};
  Reconcile(&v, StoresOf, {});
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->PutResource(v).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  broken_.insert("westus");
  ASSERT_TRUE(replicator_->RunRegion(v.meta.id, "westus").ok());
  auto found = store_->FindResource(v.meta.id);
  for (const Replica& r : std::get<GalleryImageVersion>(**found).replicas) {
    EXPECT_EQ(r.state, ReplicationState::kCompleted);
    EXPECT_EQ(r.manifests, std::vector<std::string>{""});
  }
}

TEST_F(ReplicatorTest, TheSourceRegionsSecondStoreIsFilledFromTheSourceStoreItself) {
  MakeReplicator();
  ASSERT_NO_FATAL_FAILURE(MakeVersion());
  GalleryImageVersion v = Current();
  v.target_regions[0].regional_replica_count = 2;  // southcentralus: both its stores
  Reconcile(&v, StoresOf, {});
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->PutResource(v).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  Status s = replicator_->RunRegion(id_, "southcentralus");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Holds("southcentralus-2"), static_cast<int>(digests_.size()));
  for (const Replica& r : ReplicasIn("southcentralus")) {
    EXPECT_EQ(r.state, ReplicationState::kCompleted);
  }
  EXPECT_TRUE(Egress().empty());  // inside the region: no egress
}

}  // namespace
}  // namespace gallery::replication
