#include "storage/manifest_disk.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/ingest.h"

namespace gallery::storage {
namespace {

constexpr uint32_t kChunk = 256 << 10;

// A ChunkStore that forwards to another and counts reads: shows what the cache saves.
class CountingStore final : public ForwardingChunkStore {
 public:
  using ForwardingChunkStore::ForwardingChunkStore;
  Result<std::vector<uint8_t>> Read(const ChunkDigest& d) override {
    ++reads;
    return inner_.Read(d);
  }

  std::atomic<int> reads{0};
};

class ManifestDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<FileChunkStore>> store = FileChunkStore::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    // 6 chunks and 1000 bytes; chunks 1 and 4 are zero.
    std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(6 * kChunk + 1000, 1);
    std::memset(bytes.data() + kChunk, 0, kChunk);
    std::memset(bytes.data() + 4 * kChunk, 0, kChunk);
    source_ = std::make_unique<MemoryDisk>(std::move(bytes));
    IngestOptions options;
    options.chunk_size = kChunk;
    Result<Manifest> m = Ingest(*source_, *store_, options);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    manifest_ = *m;
  }

  TempDir dir_;
  std::unique_ptr<FileChunkStore> store_;
  std::unique_ptr<MemoryDisk> source_;
  Manifest manifest_;
};

TEST_F(ManifestDiskTest, ReadsAnyRangeAcrossChunkBoundariesAndZeroChunks) {
  ManifestDisk disk(manifest_, *store_);
  EXPECT_EQ(disk.size(), source_->size());
  const std::vector<uint8_t>& want = source_->bytes();
  for (auto [offset, length] : std::vector<std::pair<uint64_t, uint64_t>>{{0, 1},
                                                                          {kChunk - 3, 10},
                                                                          {kChunk / 2, 3 * kChunk},
                                                                          {6 * kChunk, 1000},
                                                                          {6 * kChunk + 999, 1},
                                                                          {0, 6 * kChunk + 1000},
                                                                          {100, 0},
                                                                          {6 * kChunk + 1000, 0}}) {
    std::vector<uint8_t> out(length, 0xee);
    ASSERT_TRUE(disk.ReadAt(offset, out).ok()) << offset << "+" << length;
    EXPECT_TRUE(std::equal(out.begin(), out.end(), want.begin() + static_cast<long>(offset)))
        << offset << "+" << length;
  }
}

TEST_F(ManifestDiskTest, ReadsOutsideTheDiskAreInvalidArgument) {
  ManifestDisk disk(manifest_, *store_);
  std::vector<uint8_t> out(2);
  EXPECT_EQ(disk.ReadAt(disk.size() - 1, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(disk.ReadAt(UINT64_MAX, out).code(), StatusCode::kInvalidArgument);
}

TEST_F(ManifestDiskTest, KnownZeroOnlyForRangesOfAbsentChunks) {
  ManifestDisk disk(manifest_, *store_);
  EXPECT_TRUE(disk.KnownZero(kChunk, kChunk));
  EXPECT_TRUE(disk.KnownZero(kChunk + 5, 100));
  EXPECT_TRUE(disk.KnownZero(4 * kChunk, kChunk));
  EXPECT_FALSE(disk.KnownZero(kChunk, kChunk + 1));
  EXPECT_FALSE(disk.KnownZero(0, 1));
  EXPECT_FALSE(disk.KnownZero(disk.size(), 1));
  EXPECT_FALSE(disk.KnownZero(UINT64_MAX, 2));
}

TEST_F(ManifestDiskTest, SequentialSmallReadsOfAChunkReadItFromTheStoreOnce) {
  CountingStore counting(*store_);
  ManifestDisk disk(manifest_, counting);
  std::vector<uint8_t> out(16 << 10);
  for (uint64_t offset = 0; offset + out.size() <= 3 * kChunk; offset += out.size()) {
    ASSERT_TRUE(disk.ReadAt(offset, out).ok());
  }
  EXPECT_EQ(counting.reads.load(), 2);  // chunks 0 and 2; chunk 1 is absent
}

TEST_F(ManifestDiskTest, ConcurrentReadersGetTheRightBytes) {
  ManifestDisk disk(manifest_, *store_, 1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint8_t> out(40000);
      for (int i = 0; i < 50; ++i) {
        uint64_t offset = (static_cast<uint64_t>(t) * 7919 + i * 131071) % (disk.size() - 40000);
        if (!disk.ReadAt(offset, out).ok() ||
            !std::equal(out.begin(), out.end(),
                        source_->bytes().begin() + static_cast<long>(offset))) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(ManifestDiskTest, ADamagedChunkIsDataLossAndAMissingOneToo) {
  const ChunkDigest first = *manifest_.chunks[0];
  const ChunkDigest third = *manifest_.chunks[2];
  {
    std::fstream f(store_->ChunkPath(first), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  std::filesystem::remove(store_->ChunkPath(third));
  ManifestDisk disk(manifest_, *store_);
  std::vector<uint8_t> out(10);
  Status s = disk.ReadAt(0, out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find(ToHex(first)), std::string::npos) << s.message();
  s = disk.ReadAt(2 * kChunk, out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find(ToHex(third)), std::string::npos) << s.message();
  // Ranges of intact chunks still read.
  EXPECT_TRUE(disk.ReadAt(3 * kChunk, out).ok());
}

TEST_F(ManifestDiskTest, AnInconsistentManifestReadsAsDataLossNeverOutOfBounds) {
  Manifest short_list = manifest_;
  short_list.chunks.pop_back();
  ManifestDisk disk(short_list, *store_);
  std::vector<uint8_t> out(10);
  EXPECT_EQ(disk.ReadAt(disk.size() - 10, out).code(), StatusCode::kDataLoss);
  EXPECT_FALSE(disk.KnownZero(kChunk, kChunk));
  Manifest no_chunk_size = manifest_;
  no_chunk_size.chunk_size = 0;
  EXPECT_EQ(ManifestDisk(no_chunk_size, *store_).ReadAt(0, out).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace gallery::storage
