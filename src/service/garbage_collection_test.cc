// GarbageCollection over a real SQLite store and a real file chunk store in a temp dir.

#include "service/garbage_collection.h"

#include <gtest/gtest.h>

#include "service/test_store.h"
#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/ingest.h"

namespace gallery::service {
namespace {

constexpr TimestampMs kStart = 1'800'000'000'000;
constexpr uint32_t kChunk = 64 * 1024;

class GarbageCollectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("gc-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    auto opened = storage::FileChunkStore::Open(dir_ / "stores" / "eastus", {.clock = &clock_});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    chunks_ = std::move(*opened);
    gc_ = std::make_unique<GarbageCollection>(
        *store_,
        [this](const std::string& region) -> Result<storage::ChunkStore*> {
          if (region != "eastus") {
            return Status::NotFound("no store for " + region);
          }
          return chunks_.get();
        },
        [] { return std::vector<std::string>{"eastus"}; }, clock_, GarbageCollectionOptions{});
  }
  void TearDown() override {
    gc_.reset();
    chunks_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Ingests `chunks` random chunks; records the manifest in `region` when `record`.
  storage::Manifest Ingest(uint64_t seed, int chunks, bool record,
                           const std::string& region = "eastus") {
    storage::MemoryDisk disk(storage::MemoryDisk::RandomBytes(chunks * kChunk, seed));
    storage::IngestOptions options;
    options.chunk_size = kChunk;
    auto manifest = storage::Ingest(disk, *chunks_, options);
    EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
    if (record) {
      auto tx = store_->Begin(metadata::TxMode::kWrite);
      EXPECT_TRUE((*tx)->PutManifest({"m" + std::to_string(seed), region,
                                      storage::EncodeManifest(*manifest), clock_.Now()})
                      .ok());
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    return *manifest;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  BootstrapIdentity boot_;
  std::unique_ptr<storage::FileChunkStore> chunks_;
  std::unique_ptr<GarbageCollection> gc_;
};

TEST_F(GarbageCollectionTest, FreesOnlyUnreferencedChunksOlderThanTheGrace) {
  storage::Manifest kept = Ingest(1, 3, /*record=*/true);
  storage::Manifest dropped = Ingest(2, 2, /*record=*/false);
  // Within the grace period nothing goes: an ingest may still be about to record it.
  auto early = gc_->RunOnce();
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  ASSERT_EQ(early->size(), 1u);
  EXPECT_EQ((*early)[0].first, "eastus");
  EXPECT_EQ((*early)[0].second.examined, 5u);
  EXPECT_EQ((*early)[0].second.deleted, 0u);

  clock_.Advance(storage::kGcGraceMs + 1);
  auto late = gc_->RunOnce();
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ((*late)[0].second.deleted, 2u);
  // Stored bytes: the content (raw chunk files carry no header).
  EXPECT_EQ((*late)[0].second.bytes_freed, 2u * kChunk);
  for (const auto& digest : storage::DistinctChunks(kept)) {
    EXPECT_TRUE(*chunks_->Contains(digest));
  }
  for (const auto& digest : storage::DistinctChunks(dropped)) {
    EXPECT_FALSE(*chunks_->Contains(digest));
  }
}

TEST_F(GarbageCollectionTest, ManifestsOfAnotherRegionDoNotProtectChunks) {
  Ingest(3, 2, /*record=*/true, "westus");
  clock_.Advance(storage::kGcGraceMs + 1);
  auto reports = gc_->RunOnce();
  ASSERT_TRUE(reports.ok());
  EXPECT_EQ((*reports)[0].second.deleted, 2u);
}

TEST_F(GarbageCollectionTest, AManifestThatDoesNotDecodeStopsThePassAndDeletesNothing) {
  Ingest(4, 2, /*record=*/false);
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->PutManifest({"broken", "eastus", "not a manifest", kStart}).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  clock_.Advance(storage::kGcGraceMs + 1);
  auto reports = gc_->RunOnce();
  ASSERT_FALSE(reports.ok());
  EXPECT_NE(reports.status().message().find("broken"), std::string::npos);
  auto usage = chunks_->Usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->chunks, 2u);
}

}  // namespace
}  // namespace gallery::service
