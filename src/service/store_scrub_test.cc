// StoreScrub over a real SQLite store and real file chunk stores in a temp dir.

#include "service/store_scrub.h"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <thread>

#include "service/test_store.h"
#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/ingest.h"

namespace gallery::service {
namespace {

namespace fs = std::filesystem;

constexpr TimestampMs kStart = 1'800'000'000'000;
constexpr uint32_t kChunk = 64 * 1024;

class StoreScrubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("scrub-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
  }
  void TearDown() override {
    scrub_.reset();
    chunks_.clear();
    fs::remove_all(dir_);
  }

  Result<storage::ChunkStore*> StoreFor(const std::string& name) {
    if (gate_.valid()) {
      entered_.set_value();
      gate_.wait();
      gate_ = {};
    }
    auto it = chunks_.find(name);
    if (it == chunks_.end()) {
      auto opened = storage::FileChunkStore::Open(dir_ / "stores" / name, {.clock = &clock_});
      if (!opened.ok()) {
        return opened.status();
      }
      it = chunks_.emplace(name, std::move(*opened)).first;
    }
    return it->second.get();
  }

  void MakeScrub(StoreScrubOptions options = {.interval_ms = 0}) {
    scrub_ = std::make_unique<StoreScrub>(
        *store_, [this](const std::string& name) { return StoreFor(name); },
        [this] { return listed_; }, clock_, options);
  }

  // Ingests `chunks` random chunks into store `name` and records the manifest for it.
  storage::Manifest Put(const std::string& name, uint64_t seed, int chunks) {
    storage::MemoryDisk disk(storage::MemoryDisk::RandomBytes(chunks * kChunk, seed));
    storage::IngestOptions options;
    options.chunk_size = kChunk;
    auto manifest = storage::Ingest(disk, **StoreFor(name), options);
    EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
    Record(name + "-" + std::to_string(seed), name, storage::EncodeManifest(*manifest));
    return *manifest;
  }
  void Record(const std::string& id, const std::string& name, const std::string& body) {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    EXPECT_TRUE((*tx)->PutManifest({id, name, body, clock_.Now()}).ok());
    EXPECT_TRUE((*tx)->Commit().ok());
  }

  fs::path ChunkPath(const std::string& name, const storage::ChunkDigest& d) {
    return static_cast<storage::FileChunkStore*>(*StoreFor(name))->ChunkPath(d);
  }
  void Corrupt(const std::string& name, const storage::ChunkDigest& d) {
    const fs::path path = ChunkPath(name, d);
    ASSERT_TRUE(fs::exists(path));
    fs::resize_file(path, fs::file_size(path) - 1);
  }

  // Starts a scrub and a pass that stays held in StoreFor until `open` is set; returns once the
  // pass is running, with its id.
  Result<uint64_t> BeginHeldPass(std::promise<void>& open) {
    MakeScrub();
    scrub_->Start();
    gate_ = open.get_future().share();
    std::future<void> entered = entered_.get_future();
    Result<uint64_t> id = scrub_->Begin();
    if (id.ok()) {
      entered.wait();
    }
    return id;
  }

  // Waits (bounded) until pass `id` is done.
  ScrubPass AwaitPass(uint64_t id) {
    for (int i = 0; i < 1000; ++i) {
      Result<ScrubPass> pass = scrub_->Pass(id);
      if (pass.ok() && pass->done) {
        return *pass;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "pass " << id << " did not finish";
    return {};
  }

  fs::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  BootstrapIdentity boot_;
  std::map<std::string, std::unique_ptr<storage::FileChunkStore>> chunks_;
  std::vector<std::string> listed_ = {"westus", "eastus"};
  // When valid, StoreFor announces itself on entered_ and waits for gate_ (once).
  std::shared_future<void> gate_;
  std::promise<void> entered_;
  std::unique_ptr<StoreScrub> scrub_;
};

TEST_F(StoreScrubTest, RepairsAStoreFromAnotherThatHoldsTheSameChunks) {
  storage::Manifest m = Put("eastus", 1, 4);
  Put("westus", 1, 4);
  Put("westus", 2, 2);  // only westus has these
  std::vector<storage::ChunkDigest> chunks = storage::DistinctChunks(m);
  ASSERT_NO_FATAL_FAILURE(Corrupt("eastus", chunks[0]));
  ASSERT_TRUE(fs::remove(ChunkPath("eastus", chunks[2])));
  MakeScrub();

  Result<std::vector<StoreScrubReport>> reports = scrub_->RunOnce();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 2u);
  const StoreScrubReport& east = (*reports)[0];
  EXPECT_EQ(east.store, "eastus");
  EXPECT_EQ(east.report.chunks_checked, 4u);
  EXPECT_EQ(east.report.bytes_checked, 2u * kChunk);
  EXPECT_EQ(east.report.corrupt, 1u);
  EXPECT_EQ(east.report.missing, 1u);
  EXPECT_EQ(east.report.repaired, 2u);
  EXPECT_EQ(east.report.unrepairable, 0u);
  ASSERT_EQ(east.report.problems.size(), 2u);
  const StoreScrubReport& west = (*reports)[1];
  EXPECT_EQ(west.store, "westus");
  EXPECT_EQ(west.report.chunks_checked, 6u);
  EXPECT_EQ(west.report.corrupt + west.report.missing, 0u);
  for (const storage::ChunkDigest& d : chunks) {
    EXPECT_TRUE((*StoreFor("eastus"))->Read(d).ok());
  }

  Result<std::vector<StoreScrubReport>> again = scrub_->RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].report.corrupt + (*again)[0].report.missing, 0u);
  EXPECT_EQ((*again)[0].report.bytes_checked, 4u * kChunk);
}

TEST_F(StoreScrubTest, AChunkOnlyTheDamagedStoreHadIsUnrepairable) {
  storage::Manifest m = Put("eastus", 3, 2);
  ASSERT_NO_FATAL_FAILURE(Corrupt("eastus", storage::DistinctChunks(m)[1]));
  MakeScrub();
  Result<std::vector<StoreScrubReport>> reports = scrub_->RunOnce();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  EXPECT_EQ((*reports)[0].report.corrupt, 1u);
  EXPECT_EQ((*reports)[0].report.unrepairable, 1u);
  ASSERT_EQ((*reports)[0].report.problems.size(), 1u);
  EXPECT_FALSE((*reports)[0].report.problems[0].repaired);
}

TEST_F(StoreScrubTest, AStoreOnlyAManifestNamesIsCheckedAndRefilled) {
  storage::Manifest m = Put("westus", 4, 3);
  Record("lost", "centralus", storage::EncodeManifest(m));  // its store was never written
  MakeScrub();
  Result<std::vector<StoreScrubReport>> reports = scrub_->RunOnce();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 3u);
  EXPECT_EQ((*reports)[0].store, "centralus");
  EXPECT_EQ((*reports)[0].report.missing, 3u);
  EXPECT_EQ((*reports)[0].report.repaired, 3u);
}

TEST_F(StoreScrubTest, AManifestThatDoesNotDecodeStopsThePass) {
  Put("eastus", 5, 1);
  Record("garbled", "eastus", "not a manifest");
  MakeScrub();
  Result<std::vector<StoreScrubReport>> reports = scrub_->RunOnce();
  ASSERT_FALSE(reports.ok());
  EXPECT_NE(reports.status().message().find("manifest 'garbled' does not decode"),
            std::string::npos)
      << reports.status().ToString();
}

// A store whose disk is gone must not stop the scrub of the others, nor be recreated.
TEST_F(StoreScrubTest, AStoreThatCannotBeOpenedIsReportedAndTheOthersAreScrubbed) {
  listed_ = {"eastus"};
  Put("eastus", 6, 1);
  fs::create_directories(dir_ / "stores");
  std::ofstream(dir_ / "stores" / "westus") << "a file where the store's folder should be";
  listed_.push_back("westus");
  MakeScrub();
  Result<std::vector<StoreScrubReport>> reports = scrub_->RunOnce();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 2u);
  EXPECT_EQ((*reports)[0].store, "eastus");
  EXPECT_TRUE((*reports)[0].unavailable.empty());
  EXPECT_EQ((*reports)[0].report.chunks_checked, 1u);
  EXPECT_EQ((*reports)[1].store, "westus");
  EXPECT_NE((*reports)[1].unavailable.find("is not a folder"), std::string::npos)
      << (*reports)[1].unavailable;
  EXPECT_EQ((*reports)[1].report.chunks_checked, 0u);
}

TEST_F(StoreScrubTest, BeginRunsAPassInTheBackgroundOnlyOnceStarted) {
  Put("eastus", 7, 2);
  MakeScrub();
  Result<uint64_t> early = scrub_->Begin();
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);

  scrub_->Start();
  Result<uint64_t> id = scrub_->Begin();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ScrubPass pass = AwaitPass(*id);
  EXPECT_TRUE(pass.status.ok()) << pass.status.ToString();
  EXPECT_EQ(pass.started_at, kStart);
  ASSERT_EQ(pass.reports.size(), 2u);
  EXPECT_EQ(pass.reports[0].report.chunks_checked, 2u);

  Result<ScrubPass> unknown = scrub_->Pass(*id + 100);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST_F(StoreScrubTest, APassAskedForWhileOneRunsGetsThatOne) {
  Put("eastus", 8, 2);
  std::promise<void> open;
  Result<uint64_t> first = BeginHeldPass(open);
  ASSERT_TRUE(first.ok());

  Result<uint64_t> second = scrub_->Begin();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  auto waiting = std::async(std::launch::async, [this] { return scrub_->RunOnce(); });
  open.set_value();
  Result<std::vector<StoreScrubReport>> joined = waiting.get();
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  ScrubPass pass = AwaitPass(*first);
  ASSERT_EQ(joined->size(), pass.reports.size());
  EXPECT_EQ((*joined)[0].report.chunks_checked, pass.reports[0].report.chunks_checked);

  // Once it finished, asking again starts a new pass.
  Result<uint64_t> next = scrub_->Begin();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, *first + 1);
  AwaitPass(*next);
}

TEST_F(StoreScrubTest, StopCancelsARunningPass) {
  Put("eastus", 9, 3);
  std::promise<void> open;
  Result<uint64_t> id = BeginHeldPass(open);
  ASSERT_TRUE(id.ok());
  std::thread stopper([this] { scrub_->Stop(); });
  // Stop has flagged the cancellation before it joins; the pass sees it at its first chunk.
  while (scrub_->Begin().ok()) {
    std::this_thread::yield();
  }
  open.set_value();
  stopper.join();
  Result<ScrubPass> pass = scrub_->Pass(*id);
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->done);
  EXPECT_EQ(pass->status.code(), StatusCode::kUnavailable) << pass->status.ToString();
}

TEST_F(StoreScrubTest, ThePeriodicPassComesOneIntervalAfterStartNotAtStart) {
  Put("eastus", 10, 1);
  MakeScrub({.interval_ms = 1000});
  scrub_->Start();
  Result<ScrubPass> at_start = scrub_->Pass(1);
  EXPECT_EQ(at_start.status().code(), StatusCode::kNotFound);
  ScrubPass pass = AwaitPass(1);
  EXPECT_TRUE(pass.status.ok()) << pass.status.ToString();
  EXPECT_EQ(pass.reports.size(), 2u);
}

}  // namespace
}  // namespace gallery::service
