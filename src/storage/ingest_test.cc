#include "storage/ingest.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/manifest_disk.h"

namespace gallery::storage {
namespace {

constexpr uint32_t kChunk = 64 << 10;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<FileChunkStore>> store = FileChunkStore::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  IngestOptions Options(int threads = 2) {
    IngestOptions options;
    options.chunk_size = kChunk;
    options.threads = threads;
    return options;
  }

  // Reads the whole manifest back through ManifestDisk.
  std::vector<uint8_t> ReadBack(const Manifest& m) {
    ManifestDisk disk(m, *store_);
    std::vector<uint8_t> out(m.virtual_size);
    Status s = disk.ReadAt(0, out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  size_t TempFiles() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(dir_.path() / "tmp")) {
      ++n;
    }
    return n;
  }

  TempDir dir_;
  std::unique_ptr<FileChunkStore> store_;
};

TEST_F(IngestTest, RoundTripsADiskWithAShortLastChunk) {
  MemoryDisk disk(MemoryDisk::RandomBytes(10 * kChunk + 1234, 1));
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  IngestOptions options = Options();
  options.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };
  Result<Manifest> m = Ingest(disk, *store_, options);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->virtual_size, disk.size());
  EXPECT_EQ(m->chunk_size, kChunk);
  ASSERT_EQ(m->chunks.size(), 11u);
  EXPECT_EQ(ReadBack(*m), disk.bytes());
  EXPECT_EQ(store_->Usage()->chunks, 11u);
  ASSERT_EQ(progress.size(), 11u);
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GT(progress[i].first, progress[i - 1].first);
  EXPECT_EQ(progress.back(), std::make_pair(disk.size(), disk.size()));
  EXPECT_EQ(TempFiles(), 0u);
}

TEST_F(IngestTest, ZeroChunksAreNotStoredAndKnownZeroRangesAreNotRead) {
  MemoryDisk disk(MemoryDisk::RandomBytes(8 * kChunk, 2));
  std::memset(disk.bytes().data() + 2 * kChunk, 0, kChunk);  // zero, but unknown to the disk
  disk.SetKnownZero(5 * kChunk, 7 * kChunk);
  Result<Manifest> m = Ingest(disk, *store_, Options());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->chunks[2]);
  EXPECT_FALSE(m->chunks[5]);
  EXPECT_FALSE(m->chunks[6]);
  EXPECT_TRUE(m->chunks[7]);
  EXPECT_EQ(store_->Usage()->chunks, 5u);
  EXPECT_EQ(disk.bytes_read(), uint64_t{6} * kChunk);  // never the two known-zero chunks
  EXPECT_EQ(ReadBack(*m), disk.bytes());
}

TEST_F(IngestTest, AKnownDigestTheStoreHoldsIsNeitherReadNorWrittenAndAnUnknownOneIsRead) {
  MemoryDisk first(MemoryDisk::RandomBytes(2 * kChunk, 7));
  Result<Manifest> stored = Ingest(first, *store_, Options());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  // The second disk's chunk 0 is the first disk's chunk 0 (known, held: not read); its chunk 1
  // claims a digest the store lacks (read and hashed as usual).
  std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(2 * kChunk, 8);
  std::copy_n(first.bytes().begin(), kChunk, bytes.begin());
  MemoryDisk second(bytes);
  second.SetKnownDigest(0, kChunk, *stored->chunks[0]);
  second.SetKnownDigest(kChunk, kChunk, DigestOf(MemoryDisk::RandomBytes(kChunk, 99)));
  Result<Manifest> m = Ingest(second, *store_, Options(1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(second.bytes_read(), kChunk);
  EXPECT_EQ(m->chunks[0], stored->chunks[0]);
  EXPECT_EQ(m->chunks[1], DigestOf(std::span<const uint8_t>(bytes).subspan(kChunk)));
  EXPECT_EQ(ReadBack(*m), bytes);
}

TEST_F(IngestTest, TwoDisksSharingChunksStoreThemOnce) {
  std::vector<uint8_t> base = MemoryDisk::RandomBytes(16 * kChunk, 3);
  MemoryDisk first(base);
  std::vector<uint8_t> changed = base;
  changed[3 * kChunk + 17] ^= 1;  // one chunk differs
  MemoryDisk second(changed);
  Result<Manifest> m1 = Ingest(first, *store_, Options());
  ASSERT_TRUE(m1.ok());
  uint64_t after_first = store_->Usage()->chunks;
  Result<Manifest> m2 = Ingest(second, *store_, Options());
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(after_first, 16u);
  EXPECT_EQ(store_->Usage()->chunks, 17u);
  EXPECT_EQ(ReadBack(*m2), changed);
  EXPECT_EQ(ReadBack(*m1), base);
}

TEST_F(IngestTest, RepeatedChunksInOneDiskAreStoredOnce) {
  std::vector<uint8_t> block = MemoryDisk::RandomBytes(kChunk, 4);
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 6; ++i) bytes.insert(bytes.end(), block.begin(), block.end());
  MemoryDisk disk(bytes);
  Result<Manifest> m = Ingest(disk, *store_, Options(3));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(store_->Usage()->chunks, 1u);
  EXPECT_EQ(DistinctChunks(*m).size(), 1u);
}

TEST_F(IngestTest, AReadErrorStopsTheIngestAndCommitsNothing) {
  MemoryDisk disk(MemoryDisk::RandomBytes(32 * kChunk, 5));
  disk.FailReadsAt(20 * kChunk + 5);
  IngestOptions options = Options();
  options.commit_every_bytes = uint64_t{1} << 40;
  Result<Manifest> m = Ingest(disk, *store_, options);
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("injected"), std::string::npos);
  EXPECT_EQ(store_->Usage()->chunks, 0u);
  EXPECT_EQ(TempFiles(), 0u);
}

TEST_F(IngestTest, CommitsPeriodicallyToBoundTemporarySpace) {
  MemoryDisk disk(MemoryDisk::RandomBytes(32 * kChunk, 6));
  disk.FailReadsAt(31 * kChunk);
  IngestOptions options = Options(1);  // in order: chunks 0..30 are staged before the failure
  options.commit_every_bytes = 4 * kChunk;
  Result<Manifest> m = Ingest(disk, *store_, options);
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  // Every full group of 4 was committed (left for garbage collection); the rest removed.
  EXPECT_EQ(store_->Usage()->chunks, 28u);
  EXPECT_EQ(TempFiles(), 0u);
}

TEST_F(IngestTest, CancelReturnsACancellationAndCommitsNothing) {
  MemoryDisk disk(MemoryDisk::RandomBytes(16 * kChunk, 7));
  std::atomic<bool> cancel{false};
  IngestOptions options = Options(1);
  options.cancel = &cancel;
  options.progress = [&](uint64_t done, uint64_t) {
    if (done >= 3 * kChunk) cancel = true;
  };
  Result<Manifest> m = Ingest(disk, *store_, options);
  EXPECT_TRUE(IsCancelled(m.status())) << m.status().ToString();
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(IsCancelled(Status::Unavailable("down")));
  EXPECT_EQ(store_->Usage()->chunks, 0u);
  EXPECT_EQ(TempFiles(), 0u);
}

TEST_F(IngestTest, RefusesBadOptions) {
  MemoryDisk disk(MemoryDisk::RandomBytes(kChunk, 8));
  IngestOptions options = Options();
  for (uint32_t size : {0u, 1000u, 3u * 4096u, 128u << 20}) {
    options.chunk_size = size;
    EXPECT_EQ(Ingest(disk, *store_, options).status().code(), StatusCode::kInvalidArgument) << size;
  }
  options = Options(0);
  EXPECT_EQ(Ingest(disk, *store_, options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(IngestTest, AnEmptyDiskHasAnEmptyManifest) {
  MemoryDisk disk({});
  Result<Manifest> m = Ingest(disk, *store_, Options());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->virtual_size, 0u);
  EXPECT_TRUE(m->chunks.empty());
}

// Several ingests at once into one store, of disks that share most chunks.
TEST_F(IngestTest, ConcurrentIngestsOfDisksSharingChunksStoreEachChunkOnce) {
  std::vector<uint8_t> base = MemoryDisk::RandomBytes(24 * kChunk, 9);
  std::vector<std::unique_ptr<MemoryDisk>> disks;
  for (int d = 0; d < 4; ++d) {
    std::vector<uint8_t> bytes = base;
    bytes[static_cast<size_t>(d) * 5 * kChunk + 1] ^= 0xff;  // one chunk of its own
    disks.push_back(std::make_unique<MemoryDisk>(std::move(bytes)));
  }
  std::vector<Result<Manifest>> results(disks.size(), Status::Internal("not run"));
  std::vector<std::thread> threads;
  for (size_t d = 0; d < disks.size(); ++d) {
    threads.emplace_back([&, d] { results[d] = Ingest(*disks[d], *store_, Options()); });
  }
  for (auto& t : threads) t.join();
  for (size_t d = 0; d < disks.size(); ++d) {
    ASSERT_TRUE(results[d].ok()) << results[d].status().ToString();
    EXPECT_EQ(ReadBack(*results[d]), disks[d]->bytes());
  }
  // Every base chunk is still used by three of the disks, and each disk has one of its own.
  EXPECT_EQ(store_->Usage()->chunks, 24u + 4u);
  EXPECT_EQ(TempFiles(), 0u);
}

}  // namespace
}  // namespace gallery::storage
