#include "storage/garbage_collector.h"

#include <gtest/gtest.h>

#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/ingest.h"

namespace gallery::storage {
namespace {

constexpr TimestampMs kStart = 1'800'000'000'000;
constexpr uint32_t kChunk = 64 << 10;

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<FileChunkStore>> store =
        FileChunkStore::Open(dir_.path(), {.clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  Manifest IngestRandom(uint64_t chunks, uint64_t seed) {
    MemoryDisk disk(MemoryDisk::RandomBytes(chunks * kChunk, seed));
    IngestOptions options;
    options.chunk_size = kChunk;
    Result<Manifest> m = Ingest(disk, *store_, options);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return *m;
  }

  // The "metadata store": the manifests committed so far.
  ForEachReferencedChunk Referenced() {
    return [this](const std::function<void(const ChunkDigest&)>& visit) {
      for (const Manifest& m : committed_) {
        for (const ChunkDigest& d : DistinctChunks(m)) visit(d);
      }
      return Status::Ok();
    };
  }

  TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<FileChunkStore> store_;
  std::vector<Manifest> committed_;
};

TEST_F(GarbageCollectorTest, DeletesOnlyUnreferencedChunksOlderThanTheCutoff) {
  committed_.push_back(IngestRandom(3, 1));
  Manifest dropped = IngestRandom(2, 2);  // its disk was deleted: no manifest refers to it
  clock_.Advance(kGcGraceMs * 2);
  Manifest young = IngestRandom(2, 3);  // an upload whose manifest is not committed yet
  Result<GcReport> report = CollectGarbage(*store_, Referenced(), clock_.Now() - kGcGraceMs);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->examined, 7u);
  EXPECT_EQ(report->deleted, 2u);
  EXPECT_EQ(report->bytes_freed, 2u * kChunk);
  for (const ChunkDigest& d : DistinctChunks(dropped)) EXPECT_FALSE(*store_->Contains(d));
  for (const ChunkDigest& d : DistinctChunks(committed_[0])) EXPECT_TRUE(*store_->Contains(d));
  for (const ChunkDigest& d : DistinctChunks(young)) EXPECT_TRUE(*store_->Contains(d));
  EXPECT_EQ(store_->Usage()->chunks, 5u);
}

// An upload re-using old unreferenced chunks confirms them with Contains; a collection that
// listed them as candidates before then keeps them.
TEST_F(GarbageCollectorTest, KeepsOldChunksAnIngestConfirmedDuringThePass) {
  MemoryDisk disk(MemoryDisk::RandomBytes(4 * kChunk, 4));
  IngestOptions options;
  options.chunk_size = kChunk;
  ASSERT_TRUE(Ingest(disk, *store_, options).ok());  // then its disk was deleted
  clock_.Advance(kGcGraceMs * 2);
  const TimestampMs cutoff = clock_.Now() - kGcGraceMs;
  Result<Manifest> reupload = Status::Internal("not run");
  auto referenced = [&](const std::function<void(const ChunkDigest&)>&) {
    // Runs between listing the candidates and removing them: the upload of the same disk.
    reupload = Ingest(disk, *store_, options);
    return Status::Ok();
  };
  Result<GcReport> report = CollectGarbage(*store_, referenced, cutoff);
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(reupload.ok());
  EXPECT_EQ(report->examined, 4u);
  EXPECT_EQ(report->deleted, 0u);
  for (const ChunkDigest& d : DistinctChunks(*reupload)) {
    EXPECT_TRUE(store_->Read(d).ok());
  }
}

TEST_F(GarbageCollectorTest, AnErrorWalkingTheManifestsDeletesNothing) {
  IngestRandom(2, 5);
  clock_.Advance(kGcGraceMs * 2);
  auto failing = [](const std::function<void(const ChunkDigest&)>&) {
    return Status::Unavailable("metadata store down");
  };
  Result<GcReport> report = CollectGarbage(*store_, failing, clock_.Now() - kGcGraceMs);
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(report.status().message(), "metadata store down");
  EXPECT_EQ(store_->Usage()->chunks, 2u);
}

TEST_F(GarbageCollectorTest, AnEmptyStoreIsAnEmptyReport) {
  Result<GcReport> report = CollectGarbage(*store_, Referenced(), clock_.Now());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->examined, 0u);
  EXPECT_EQ(report->deleted, 0u);
  EXPECT_EQ(report->bytes_freed, 0u);
}

}  // namespace
}  // namespace gallery::storage
