#include "storage/pack_chunk_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "storage/chunks_test_util.h"

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;

constexpr TimestampMs kStart = 1'800'000'000'000;
constexpr uint64_t kBlock = 4096;
constexpr size_t kLogEntry = 80;  // the size of a log entry (pack_chunk_store.cc)

std::vector<uint8_t> Compressible(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<uint8_t>((i / 64) * seed);
  }
  return out;
}

uint64_t Padded(uint64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

// `size` random bytes (by `seed`) with the `block`-sized stretches numbered in `zero` all zero.
std::vector<uint8_t> WithZeroStretches(size_t size, const std::set<size_t>& zero, uint64_t seed,
                                       size_t block = kBlock) {
  std::vector<uint8_t> out = MemoryDisk::RandomBytes(size, seed);
  for (size_t i : zero) {
    const size_t at = i * block;
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(at),
              out.begin() + static_cast<std::ptrdiff_t>(std::min(size, at + block)), 0);
  }
  return out;
}

// XORs the byte at `offset` of the file with 0x5a.
void FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  ASSERT_TRUE(f.good()) << path << " @" << offset;
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  ASSERT_TRUE(f.good());
}

void AppendBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

class PackChunkStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<PackChunkStore> OpenStore(bool compress = false,
                                            PackChunkStoreLimits limits = {}) {
    Result<std::unique_ptr<PackChunkStore>> store =
        PackChunkStore::Open(dir_.path(), {.compress = compress, .clock = &clock_}, limits);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  std::unique_ptr<PackChunkStore> OpenSmallPacks(uint64_t pack_bytes = 4 * kBlock) {
    return OpenStore(false, {.pack_bytes = pack_bytes});
  }

  // Adds and commits `bytes`; returns its digest.
  ChunkDigest Put(ChunkStore& store, const std::vector<uint8_t>& bytes) {
    ChunkDigest digest = DigestOf(bytes);
    std::unique_ptr<ChunkBatch> batch = store.BeginBatch();
    EXPECT_TRUE(batch->Add(digest, bytes).ok());
    EXPECT_TRUE(batch->Commit().ok());
    return digest;
  }

  // The names of the files in packs/ ending in `ext` ("pack", "idx").
  std::set<std::string> PackFiles(const std::string& ext) const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_.path() / "packs")) {
      if (e.path().extension() == "." + ext) {
        names.insert(e.path().filename().string());
      }
    }
    return names;
  }
  uint64_t PackBytes() const {
    uint64_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_.path() / "packs")) {
      if (e.path().extension() == ".pack") {
        n += e.file_size();
      }
    }
    return n;
  }

  std::map<ChunkDigest, TimestampMs> Listed(ChunkStore& store) {
    std::map<ChunkDigest, TimestampMs> seen;
    EXPECT_TRUE(store.ForEach([&](const ChunkDigest& d, TimestampMs t) { seen[d] = t; }).ok());
    return seen;
  }

  void ExpectDataLoss(ChunkStore& store, const ChunkDigest& d, const std::string& what) {
    Result<std::vector<uint8_t>> r = store.Read(d);
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << what << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(ToHex(d)), std::string::npos) << what;
  }

  TempDir dir_;
  FakeClock clock_{kStart};
};

// ---- the ChunkStore contract

TEST_F(PackChunkStoreTest, CommittedChunksReadBackVerifiedAndAreCounted) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(PackChunkStore::IsPackStore(dir_.path()));
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(100000, 1);
  const std::vector<uint8_t> b = MemoryDisk::RandomBytes(1, 2);
  const std::vector<uint8_t> c = MemoryDisk::RandomBytes(4096, 3);
  const ChunkDigest da = Put(*store, a);
  const ChunkDigest db = Put(*store, b);
  const ChunkDigest dc = Put(*store, c);
  Result<std::vector<uint8_t>> back = store->Read(da);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_EQ(*store->Read(dc), c);
  EXPECT_TRUE(*store->Contains(da));
  // Raw chunks are stored as they are, each at a 4 KiB-aligned offset of one pack.
  for (const auto& [d, size] : {std::pair{da, a.size()}, {db, b.size()}, {dc, c.size()}}) {
    std::optional<PackLocation> at = store->Locate(d);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(at->offset % kBlock, 0u);
    EXPECT_EQ(at->stored_length, size);
    EXPECT_EQ(at->pack.parent_path(), dir_.path() / "packs");
  }
  EXPECT_EQ(PackFiles("pack").size(), 1u);
  EXPECT_EQ(PackBytes(), Padded(a.size()) + Padded(b.size()) + Padded(c.size()));
  Result<StoreUsage> usage = store->Usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->chunks, 3u);
  EXPECT_EQ(usage->stored_bytes, Padded(100000) + kBlock + kBlock);
}

TEST_F(PackChunkStoreTest, AbsentChunkIsNotFoundAndNotContained) {
  auto store = OpenStore();
  const ChunkDigest d = DigestOf(MemoryDisk::RandomBytes(10, 3));
  EXPECT_FALSE(*store->Contains(d));
  EXPECT_FALSE(*store->ContainsWhole(d, 10));
  Result<std::vector<uint8_t>> r = store->Read(d);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(ToHex(d)), std::string::npos);
  EXPECT_EQ(store->Remove(d).code(), StatusCode::kNotFound);
  Result<std::optional<uint64_t>> removed = store->RemoveIfUnused(d, kStart + 1'000'000);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->has_value());
  EXPECT_FALSE(store->Locate(d).has_value());
}

TEST_F(PackChunkStoreTest, CompressedAndRawChunksCoexistAndDigestTheUncompressedContent) {
  const std::vector<uint8_t> text = Compressible(1 << 20, 5);
  const std::vector<uint8_t> noise = MemoryDisk::RandomBytes(1 << 16, 9);
  const std::vector<uint8_t> small = Compressible(3000, 3);  // saves no 4 KiB block: raw
  ChunkDigest raw_text;
  {
    auto raw = OpenStore(false);
    raw_text = Put(*raw, text);
    EXPECT_EQ(raw->Locate(raw_text)->stored_length, text.size());
  }
  auto compressed = OpenStore(true);
  const std::vector<uint8_t> text2 = Compressible(1 << 20, 7);
  const ChunkDigest zstd_text = Put(*compressed, text2);
  const ChunkDigest zstd_noise = Put(*compressed, noise);
  const ChunkDigest zstd_small = Put(*compressed, small);
  EXPECT_EQ(zstd_text, DigestOf(text2));
  EXPECT_LT(compressed->Locate(zstd_text)->stored_length, text2.size() / 10);
  // Incompressible content is kept raw even when compressing.
  EXPECT_EQ(compressed->Locate(zstd_noise)->stored_length, noise.size());
  EXPECT_EQ(compressed->Locate(zstd_small)->stored_length, small.size());
  EXPECT_EQ(*compressed->Read(raw_text), text);
  EXPECT_EQ(*compressed->Read(zstd_text), text2);
  EXPECT_EQ(*compressed->Read(zstd_noise), noise);
  EXPECT_EQ(*compressed->Read(zstd_small), small);
  EXPECT_TRUE(*compressed->ContainsWhole(zstd_text, text2.size()));
  const uint64_t stored = Padded(text.size()) +
                          Padded(compressed->Locate(zstd_text)->stored_length) +
                          Padded(noise.size()) + kBlock;
  EXPECT_EQ(compressed->Usage()->stored_bytes, stored);
  compressed.reset();
  auto raw_again = OpenStore(false);
  EXPECT_EQ(*raw_again->Read(zstd_text), text2);
  EXPECT_EQ(*raw_again->Read(zstd_noise), noise);
  EXPECT_EQ(*raw_again->Read(raw_text), text);
  EXPECT_EQ(raw_again->Usage()->stored_bytes, stored);
}

TEST_F(PackChunkStoreTest, ChunksAreNotVisibleBeforeCommitAndABatchDroppedWithoutOneLeavesNone) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(5000, 5);
  {
    auto store = OpenStore();
    {
      auto batch = store->BeginBatch();
      ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
      EXPECT_FALSE(*store->Contains(DigestOf(a)));
      EXPECT_EQ(store->Read(DigestOf(a)).status().code(), StatusCode::kNotFound);
      EXPECT_FALSE(store->Locate(DigestOf(a)).has_value());
    }
    EXPECT_FALSE(*store->Contains(DigestOf(a)));
    EXPECT_EQ(store->Usage()->chunks, 0u);
  }
  auto store = OpenStore();
  EXPECT_FALSE(*store->Contains(DigestOf(a)));
  EXPECT_EQ(store->Read(DigestOf(a)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Listed(*store).empty());
  // The pack that only held the uncommitted chunk was deleted at the open.
  EXPECT_TRUE(PackFiles("pack").empty());
  EXPECT_TRUE(PackFiles("idx").empty());
}

TEST_F(PackChunkStoreTest, AddingTheSameDigestTwiceInABatchWritesItOnce) {
  auto store = OpenStore();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(5000, 4);
  auto batch = store->BeginBatch();
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  EXPECT_EQ(PackBytes(), Padded(a.size()));
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_EQ(store->Usage()->chunks, 1u);
  EXPECT_EQ(*store->Read(DigestOf(a)), a);
  EXPECT_EQ(fs::file_size(dir_.path() / "packs" / *PackFiles("idx").begin()), kLogEntry);
}

// A long replication keeps one batch: a chunk it committed early that a collection took
// meanwhile is added again when the job finds it missing, and must be written again.
TEST_F(PackChunkStoreTest, AChunkAddedAgainAfterItsCommitIsWrittenAgain) {
  auto store = OpenStore();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(5000, 4);
  auto batch = store->BeginBatch();
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  ASSERT_TRUE(batch->Commit().ok());
  ASSERT_TRUE(store->Remove(DigestOf(a)).ok());
  ASSERT_FALSE(*store->Contains(DigestOf(a)));
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_TRUE(*store->Contains(DigestOf(a)));
  EXPECT_EQ(*store->Read(DigestOf(a)), a);
}

TEST_F(PackChunkStoreTest, ABatchCommitsAgainAfterMoreAdds) {
  auto store = OpenStore();
  auto batch = store->BeginBatch();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(300, 6);
  const std::vector<uint8_t> b = MemoryDisk::RandomBytes(300, 7);
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  ASSERT_TRUE(batch->Commit().ok());
  ASSERT_TRUE(batch->Add(DigestOf(b), b).ok());
  EXPECT_TRUE(*store->Contains(DigestOf(a)));
  EXPECT_FALSE(*store->Contains(DigestOf(b)));
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_TRUE(*store->Contains(DigestOf(b)));
  EXPECT_TRUE(batch->Commit().ok());  // nothing new: a no-op
  EXPECT_EQ(*store->Read(DigestOf(b)), b);
  EXPECT_EQ(store->Usage()->chunks, 2u);
}

TEST_F(PackChunkStoreTest, ContainsWholeChecksTheContentLength) {
  auto store = OpenStore(/*compress=*/true);
  const std::vector<uint8_t> random = MemoryDisk::RandomBytes(8192, 5);  // stays raw
  const std::vector<uint8_t> packed = Compressible(81920, 3);            // compressed
  const ChunkDigest r = Put(*store, random);
  const ChunkDigest c = Put(*store, packed);
  EXPECT_TRUE(*store->ContainsWhole(r, random.size()));
  EXPECT_TRUE(*store->ContainsWhole(c, packed.size()));
  EXPECT_FALSE(*store->ContainsWhole(r, random.size() - 1));
  EXPECT_FALSE(*store->ContainsWhole(r, random.size() + 1));
  EXPECT_FALSE(*store->ContainsWhole(c, packed.size() + 1));
  EXPECT_FALSE(*store->ContainsWhole(c, store->Locate(c)->stored_length));
  EXPECT_FALSE(*store->ContainsWhole(r, 0));
}

TEST_F(PackChunkStoreTest, ContainsWholeAllAnswersEachChunkAndForgetsOnesCutShort) {
  auto store = OpenStore();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(5000, 30);
  const std::vector<uint8_t> b = MemoryDisk::RandomBytes(7000, 31);
  const ChunkDigest da = Put(*store, a);
  const ChunkDigest db = Put(*store, b);
  const ChunkDigest absent = DigestOf(MemoryDisk::RandomBytes(100, 32));
  // b's record cut off its pack.
  const PackLocation at = *store->Locate(db);
  fs::resize_file(at.pack, at.offset + 100);
  clock_.Advance(5000);
  const std::vector<std::pair<ChunkDigest, uint32_t>> asked = {
      {da, 5000}, {absent, 100}, {db, 7000}, {da, 4999}, {da, 5000}};
  std::vector<bool> present;
  ASSERT_TRUE(store->ContainsWholeAll(asked, &present).ok());
  EXPECT_EQ(present, (std::vector<bool>{true, false, false, false, true}));
  EXPECT_FALSE(store->Locate(db).has_value());   // forgotten, so a batch writes it anew
  EXPECT_EQ(Listed(*store)[da], kStart + 5000);  // hits refresh the last use, as Contains does
  // Written again past what the last look at the pack saw: the pack is looked at again.
  Put(*store, b);
  clock_.Advance(5000);
  ASSERT_TRUE(store->ContainsWholeAll(asked, &present).ok());
  EXPECT_EQ(present, (std::vector<bool>{true, false, true, false, true}));
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_EQ(Listed(*store)[da], kStart + 10000);
  ASSERT_TRUE(store->ContainsWholeAll({}, &present).ok());
  EXPECT_TRUE(present.empty());
}

TEST_F(PackChunkStoreTest, ContainsRefreshesTheLastUsedTimeThatForEachReports) {
  auto store = OpenStore();
  const ChunkDigest a = Put(*store, MemoryDisk::RandomBytes(100, 10));
  clock_.Advance(5000);
  const ChunkDigest b = Put(*store, MemoryDisk::RandomBytes(100, 11));
  auto seen = Listed(*store);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[a], kStart);
  EXPECT_EQ(seen[b], kStart + 5000);
  clock_.Advance(5000);
  EXPECT_TRUE(*store->Contains(a));
  seen = Listed(*store);
  EXPECT_EQ(seen[a], kStart + 10000);
  EXPECT_EQ(seen[b], kStart + 5000);
  clock_.Advance(5000);
  EXPECT_TRUE(*store->ContainsWhole(b, 100));
  EXPECT_EQ(Listed(*store)[b], kStart + 15000);
  EXPECT_FALSE(*store->ContainsWhole(a, 99));  // a miss refreshes nothing
  EXPECT_EQ(Listed(*store)[a], kStart + 10000);
}

TEST_F(PackChunkStoreTest, RemoveIfUnusedKeepsChunksUsedSinceTheCutoff) {
  auto store = OpenStore();
  const ChunkDigest old_chunk = Put(*store, MemoryDisk::RandomBytes(1000, 13));
  const ChunkDigest big = Put(*store, MemoryDisk::RandomBytes(10000, 15));
  clock_.Advance(10000);
  const ChunkDigest refreshed = Put(*store, MemoryDisk::RandomBytes(1000, 14));
  const ChunkDigest young = Put(*store, MemoryDisk::RandomBytes(1000, 16));
  clock_.Advance(10000);
  ASSERT_TRUE(*store->Contains(refreshed));
  const TimestampMs cutoff = kStart + 15000;
  Result<std::optional<uint64_t>> removed = store->RemoveIfUnused(old_chunk, cutoff);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, std::optional<uint64_t>(kBlock));  // the 4 KiB record it took
  EXPECT_FALSE(*store->Contains(old_chunk));
  EXPECT_EQ(store->Read(old_chunk).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*store->RemoveIfUnused(big, cutoff), std::optional<uint64_t>(3 * kBlock));
  removed = store->RemoveIfUnused(refreshed, cutoff);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->has_value());
  EXPECT_TRUE(*store->Contains(refreshed));
  EXPECT_FALSE(store->RemoveIfUnused(young, kStart + 10000)->has_value());  // not older: kept
  EXPECT_TRUE(*store->Contains(young));
  // Absent: nothing freed, not an error.
  removed = store->RemoveIfUnused(old_chunk, cutoff);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->has_value());
  EXPECT_EQ(store->Usage()->chunks, 2u);
  EXPECT_EQ(store->Usage()->stored_bytes, 2 * kBlock);
}

TEST_F(PackChunkStoreTest, RemoveTakesTheChunkAndReportsAnAbsentOne) {
  auto store = OpenStore();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(700, 17);
  const ChunkDigest d = Put(*store, a);
  ASSERT_TRUE(store->Remove(d).ok());
  EXPECT_FALSE(*store->Contains(d));
  EXPECT_EQ(store->Read(d).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Remove(d).code(), StatusCode::kNotFound);
  // It can be added again.
  EXPECT_EQ(Put(*store, a), d);
  EXPECT_EQ(*store->Read(d), a);
}

// ---- persistence

TEST_F(PackChunkStoreTest, CommittedChunksAndRemovalsSurviveAReopenAndUncommittedOnesDoNot) {
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 12; ++i) {
    chunks.push_back(i % 2 == 0 ? MemoryDisk::RandomBytes(1000 + 3000 * i, 20 + i)
                                : Compressible(20000 + i, static_cast<uint8_t>(i)));
  }
  const std::vector<uint8_t> uncommitted = MemoryDisk::RandomBytes(5000, 99);
  {
    auto store = OpenStore(/*compress=*/true);
    for (const auto& c : chunks) Put(*store, c);
    ASSERT_TRUE(store->Remove(DigestOf(chunks[3])).ok());
    clock_.Advance(1000);
    ASSERT_TRUE(store->RemoveIfUnused(DigestOf(chunks[4]), kStart + 1)->has_value());
    auto batch = store->BeginBatch();
    ASSERT_TRUE(batch->Add(DigestOf(uncommitted), uncommitted).ok());
    // The store closes with the batch's chunk written and not committed (a crash would leave
    // the same: bytes no log entry refers to).
    store.reset();
  }
  clock_.Advance(60000);
  auto store = OpenStore();
  auto seen = Listed(*store);
  EXPECT_EQ(seen.size(), 10u);
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkDigest d = DigestOf(chunks[i]);
    if (i == 3 || i == 4) {
      EXPECT_FALSE(*store->Contains(d)) << i;
      EXPECT_FALSE(seen.contains(d)) << i;
      continue;
    }
    Result<std::vector<uint8_t>> back = store->Read(d);
    ASSERT_TRUE(back.ok()) << i << ": " << back.status().ToString();
    EXPECT_EQ(*back, chunks[i]) << i;
    // After an open, every chunk counts as used at the open.
    EXPECT_EQ(seen[d], kStart + 61000) << i;
  }
  EXPECT_FALSE(*store->Contains(DigestOf(uncommitted)));
  EXPECT_EQ(store->Read(DigestOf(uncommitted)).status().code(), StatusCode::kNotFound);
  // New chunks go to a new pack; all of it opens again.
  const ChunkDigest more = Put(*store, MemoryDisk::RandomBytes(3333, 98));
  EXPECT_EQ(PackFiles("pack").size(), 2u);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(Listed(*store).size(), 11u);
  EXPECT_EQ(*store->Read(more), MemoryDisk::RandomBytes(3333, 98));
  EXPECT_EQ(*store->Read(DigestOf(chunks[11])), chunks[11]);
}

TEST_F(PackChunkStoreTest, LastUsedTimesAfterAnOpenAreTheWriteTimeOrTheOpenWhicheverIsLater) {
  clock_.Set(kStart + 100000);
  ChunkDigest d;
  {
    auto store = OpenStore();
    d = Put(*store, MemoryDisk::RandomBytes(100, 1));
  }
  clock_.Set(kStart);  // the clock went back: the write time is later
  auto store = OpenStore();
  EXPECT_EQ(Listed(*store)[d], kStart + 100000);
  EXPECT_FALSE(store->RemoveIfUnused(d, kStart + 100000)->has_value());
  EXPECT_TRUE(store->RemoveIfUnused(d, kStart + 100001)->has_value());
}

TEST_F(PackChunkStoreTest, ASecondOpenOfTheSameRootIsRefusedUntilTheFirstCloses) {
  auto store = OpenStore();
  Result<std::unique_ptr<PackChunkStore>> second = PackChunkStore::Open(dir_.path());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  store.reset();
  EXPECT_TRUE(PackChunkStore::Open(dir_.path()).ok());
}

TEST_F(PackChunkStoreTest, IsPackStoreOnlyForAFolderWithPacks) {
  EXPECT_FALSE(PackChunkStore::IsPackStore(dir_.path()));
  EXPECT_FALSE(PackChunkStore::IsPackStore(dir_.path() / "absent"));
  auto store = OpenStore();
  EXPECT_TRUE(PackChunkStore::IsPackStore(dir_.path()));
  EXPECT_TRUE(fs::is_directory(dir_.path() / "staged"));
  EXPECT_TRUE(fs::exists(dir_.path() / "STORE"));
}

TEST(PackChunkStoreMarkerTest, AMissingStoreThatHoldsDataIsRefusedAndNothingIsWritten) {
  TempDir dir;
  const fs::path root = dir.path() / "mnt" / "canadaeast";
  bool asked = false;
  Result<std::unique_ptr<PackChunkStore>> store =
      PackChunkStore::Open(root, {.name = "canadaeast", .holds_data = [&]() -> Result<bool> {
                                    asked = true;
                                    return true;
                                  }});
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(asked);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("chunk store 'canadaeast' is missing"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find(dir.path().string()), std::string::npos);
  EXPECT_FALSE(fs::exists(root));
  fs::create_directories(root);
  store = PackChunkStore::Open(
      root, {.name = "canadaeast", .holds_data = [] { return Result<bool>(true); }});
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(fs::is_empty(root));
}

TEST(PackChunkStoreMarkerTest, ANewStoreGetsAMarkerAndOpensAgainOnceItHoldsData) {
  TempDir dir;
  const fs::path root = dir.path() / "westus";
  auto holds = [](bool value) { return [value]() -> Result<bool> { return value; }; };
  {
    auto store = PackChunkStore::Open(root, {.name = "westus", .holds_data = holds(false)});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  EXPECT_EQ(*ReadFile(root / "STORE"), "gallery chunk store\nname westus\n");
  auto again = PackChunkStore::Open(root, {.name = "westus", .holds_data = holds(true)});
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(PackChunkStoreMarkerTest, AStoreWithPacksButNoMarkerIsAdopted) {
  TempDir dir;
  const fs::path root = dir.path() / "eastus";
  const std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(4096, 3);
  {
    auto store = PackChunkStore::Open(root, {.name = "eastus"});
    ASSERT_TRUE(store.ok());
    std::unique_ptr<ChunkBatch> batch = (*store)->BeginBatch();
    ASSERT_TRUE(batch->Add(DigestOf(bytes), bytes).ok());
    ASSERT_TRUE(batch->Commit().ok());
  }
  fs::remove(root / "STORE");
  bool asked = false;
  auto store = PackChunkStore::Open(root, {.name = "eastus", .holds_data = [&] {
                                             asked = true;
                                             return Result<bool>(true);
                                           }});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE(asked);  // it has chunks: not asked
  EXPECT_TRUE(fs::exists(root / "STORE"));
  EXPECT_EQ(*(*store)->Read(DigestOf(bytes)), bytes);
}

TEST(PackChunkStoreMarkerTest, AFolderHoldingAnotherStoreIsRefused) {
  TempDir dir;
  const fs::path root = dir.path() / "shared";
  ASSERT_TRUE(PackChunkStore::Open(root, {.name = "eastus"}).ok());
  auto store = PackChunkStore::Open(root, {.name = "westus"});
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("holds another store"), std::string::npos)
      << store.status().message();
}

// ---- crash safety

// An entry whose checksum holds but whose fields this version does not write (a newer
// version's log after a downgrade) stops the open; nothing is cut, so nothing after it is lost.
TEST_F(PackChunkStoreTest, ALogEntryOfUnknownFormStopsTheOpenAndIsNotCut) {
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 3; ++i) chunks.push_back(MemoryDisk::RandomBytes(5000, 60 + i));
  {
    auto store = OpenStore();
    for (const auto& c : chunks) Put(*store, c);
  }
  const fs::path log = dir_.path() / "packs" / *PackFiles("idx").begin();
  std::string original;
  {
    std::ifstream in(log, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_EQ(original.size(), 3 * kLogEntry);
  struct Case {
    std::string what;
    uint8_t form;
    uint16_t holes;
  };
  for (const Case& c : std::vector<Case>{{"an unknown encoding", 3, 0},
                                         {"a sparse record without holes", 2, 0},
                                         {"a raw record with holes", 0, 1},
                                         {"holes beyond the chunk's segments", 2, 1u << 3}}) {
    std::string edited = original;
    const size_t at = kLogEntry;  // the second entry, a 5000-byte raw chunk (2 segments)
    edited[at + 33] = static_cast<char>(c.form);
    edited[at + 34] = static_cast<char>(c.holes & 0xff);
    edited[at + 35] = static_cast<char>(c.holes >> 8);
    const ChunkDigest check =
        DigestOf({reinterpret_cast<const uint8_t*>(edited.data()) + at, kLogEntry - 4});
    std::copy(check.begin(), check.begin() + 4, edited.begin() + at + kLogEntry - 4);
    std::ofstream(log, std::ios::binary | std::ios::trunc) << edited;
    auto store = PackChunkStore::Open(dir_.path(), {.clock = &clock_});
    EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << c.what;
    EXPECT_NE(store.status().message().find("does not know"), std::string::npos)
        << c.what << ": " << store.status().message();
    EXPECT_EQ(store.status().message().find(".idx"), std::string::npos) << c.what;  // no log path
    EXPECT_EQ(fs::file_size(log), 3 * kLogEntry) << c.what;  // not cut
  }
  std::ofstream(log, std::ios::binary | std::ios::trunc) << original;
  auto store = OpenStore();
  for (const auto& c : chunks) EXPECT_EQ(*store->Read(DigestOf(c)), c);
}

TEST_F(PackChunkStoreTest, ATornLastLogEntryIsCutAtOpenAndWhatCameBeforeIsKept) {
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 5; ++i) chunks.push_back(MemoryDisk::RandomBytes(5000, 30 + i));
  {
    auto store = OpenStore();
    for (const auto& c : chunks) Put(*store, c);
  }
  ASSERT_EQ(PackFiles("idx").size(), 1u);
  const fs::path log = dir_.path() / "packs" / *PackFiles("idx").begin();
  ASSERT_EQ(fs::file_size(log), 5 * kLogEntry);
  auto expect_all = [&](size_t n) {
    auto store = OpenStore();
    EXPECT_EQ(store->Usage()->chunks, n);
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (i < n) {
        Result<std::vector<uint8_t>> back = store->Read(DigestOf(chunks[i]));
        ASSERT_TRUE(back.ok()) << i << ": " << back.status().ToString();
        EXPECT_EQ(*back, chunks[i]);
      } else {
        EXPECT_FALSE(*store->Contains(DigestOf(chunks[i]))) << i;
      }
    }
  };
  // A few bytes of a next entry.
  AppendBytes(log, "torn");
  expect_all(5);
  EXPECT_EQ(fs::file_size(log), 5 * kLogEntry);  // cut back
  // A whole entry's worth of garbage (its checksum fails).
  AppendBytes(log, std::string(kLogEntry, '\x42'));
  expect_all(5);
  EXPECT_EQ(fs::file_size(log), 5 * kLogEntry);
  // The last entry cut mid-way: its chunk is gone, the others are whole.
  fs::resize_file(log, 4 * kLogEntry + 50);
  expect_all(4);
  EXPECT_EQ(fs::file_size(log), 4 * kLogEntry);
  // The last entry torn in place (the right length, wrong bytes).
  FlipByte(log, 3 * kLogEntry + 10);
  expect_all(3);
  // Writing continues: a new chunk after the cut survives the next open.
  {
    auto store = OpenStore();
    Put(*store, chunks[4]);
  }
  auto store = OpenStore();
  EXPECT_EQ(*store->Read(DigestOf(chunks[4])), chunks[4]);
  EXPECT_EQ(*store->Read(DigestOf(chunks[0])), chunks[0]);
  EXPECT_FALSE(*store->Contains(DigestOf(chunks[3])));
}

class PackDamageTest : public PackChunkStoreTest,
                       public ::testing::WithParamInterface<bool /*compress*/> {};

TEST_P(PackDamageTest, AFlippedOrTruncatedChunkIsDataLossNeverWrongBytes) {
  auto store = OpenStore(GetParam());
  const std::vector<uint8_t> before = MemoryDisk::RandomBytes(9000, 40);
  const std::vector<uint8_t> content = Compressible(50000, 3);
  const ChunkDigest db = Put(*store, before);
  const ChunkDigest d = Put(*store, content);
  const PackLocation at = *store->Locate(d);
  EXPECT_EQ(at.stored_length < content.size(), GetParam());
  for (uint64_t pos :
       {uint64_t{0}, uint64_t{5}, uint64_t{at.stored_length / 2}, uint64_t{at.stored_length - 1}}) {
    FlipByte(at.pack, at.offset + pos);
    ExpectDataLoss(*store, d, "flip at " + std::to_string(pos));
    EXPECT_TRUE(*store->Contains(d));    // still indexed: a scrub finds and repairs it
    FlipByte(at.pack, at.offset + pos);  // back
    EXPECT_EQ(*store->Read(d), content);
  }
  // Damage in the padding after the stored bytes changes nothing.
  if (Padded(at.stored_length) > at.stored_length) {
    FlipByte(at.pack, at.offset + at.stored_length);
    EXPECT_EQ(*store->Read(d), content);
  }
  // The pack cut short in the chunk (the chunk before it is whole).
  fs::resize_file(at.pack, at.offset + at.stored_length - 1);
  ExpectDataLoss(*store, d, "truncated");
  EXPECT_EQ(*store->Read(db), before);
  fs::resize_file(at.pack, at.offset);
  ExpectDataLoss(*store, d, "truncated at its start");
  store.reset();
  store = OpenStore(GetParam());
  ExpectDataLoss(*store, d, "truncated, after a reopen");
  EXPECT_EQ(*store->Read(db), before);
}

INSTANTIATE_TEST_SUITE_P(RawAndCompressed, PackDamageTest, ::testing::Bool());

TEST_F(PackChunkStoreTest, ADamagedChunkNamesItsStoreNotItsPack) {
  auto opened = PackChunkStore::Open(dir_.path(), {.clock = &clock_, .name = "westus-2"});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  PackChunkStore& store = **opened;
  const ChunkDigest d = Put(store, MemoryDisk::RandomBytes(100, 17));
  FlipByte(store.Locate(d)->pack, store.Locate(d)->offset + 7);
  Result<std::vector<uint8_t>> r = store.Read(d);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "chunk " + ToHex(d) +
                                      " in chunk store 'westus-2' is damaged (content does not "
                                      "match its digest)");
}

TEST_F(PackChunkStoreTest, PacksDeletedUnderTheOpenStoreLoseTheirChunksAndTakeNoCommit) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(6000, 60);
  auto store = OpenStore();
  const ChunkDigest da = Put(*store, a);
  const PackLocation first = *store->Locate(da);
  // The packs deleted while the store is open (its disk wiped under it).
  fs::remove_all(dir_.path() / "packs");
  fs::create_directories(dir_.path() / "packs");
  EXPECT_FALSE(*store->ContainsWhole(da, a.size()));
  // The newest pack went too: a commit into it fails instead of calling the chunk durable, and
  // the next one starts a new pack.
  std::unique_ptr<ChunkBatch> batch = store->BeginBatch();
  ASSERT_TRUE(batch->Add(da, a).ok());
  const Status failed = batch->Commit();
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable) << failed.ToString();
  EXPECT_NE(failed.message().find("cannot commit into a pack: No such file or directory"),
            std::string::npos)
      << failed.ToString();
  EXPECT_FALSE(*store->Contains(da));
  ASSERT_TRUE(batch->Add(da, a).ok());
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_NE(store->Locate(da)->pack, first.pack);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(*store->Read(da), a);
}

// ---- repair

TEST_F(PackChunkStoreTest, CommittingADamagedChunkAgainRepairsItAlsoAfterAReopen) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(6000, 50);
  const std::vector<uint8_t> b = MemoryDisk::RandomBytes(6000, 51);
  auto store = OpenStore();
  const ChunkDigest da = Put(*store, a);
  const ChunkDigest db = Put(*store, b);
  const PackLocation damaged = *store->Locate(da);
  FlipByte(damaged.pack, damaged.offset + 100);
  ExpectDataLoss(*store, da, "damaged");
  // A scrub's repair: the right bytes committed again.
  Put(*store, a);
  EXPECT_EQ(*store->Read(da), a);
  EXPECT_NE(store->Locate(da)->offset, damaged.offset);
  EXPECT_EQ(store->Usage()->chunks, 2u);
  EXPECT_EQ(store->Usage()->stored_bytes, 4 * kBlock);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(*store->Read(da), a);
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_EQ(store->Usage()->chunks, 2u);

  // Damage found after a reopen, repaired into the new pack, and opened again.
  const PackLocation second = *store->Locate(db);
  FlipByte(second.pack, second.offset);
  store.reset();
  store = OpenStore();
  ExpectDataLoss(*store, db, "damaged, reopened");
  Put(*store, b);
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_NE(store->Locate(db)->pack, second.pack);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_EQ(*store->Read(da), a);
  EXPECT_EQ(store->Usage()->chunks, 2u);
}

// ---- packs: rollover and compaction

TEST_F(PackChunkStoreTest, NewPacksStartWhenTheNewestIsFull) {
  auto store = OpenSmallPacks(4 * kBlock);
  std::vector<std::vector<uint8_t>> chunks;
  std::set<fs::path> packs;
  for (int i = 0; i < 10; ++i) {
    chunks.push_back(MemoryDisk::RandomBytes(4000, 60 + i));
    const ChunkDigest d = Put(*store, chunks.back());
    packs.insert(store->Locate(d)->pack);
  }
  EXPECT_EQ(packs.size(), 3u);  // 4 + 4 + 2 chunks
  EXPECT_EQ(PackFiles("pack").size(), 3u);
  EXPECT_EQ(PackFiles("idx").size(), 3u);
  for (const auto& p : packs) EXPECT_LE(fs::file_size(p), 4 * kBlock);
  // A chunk larger than a pack gets one of its own.
  const std::vector<uint8_t> big = MemoryDisk::RandomBytes(5 * kBlock, 70);
  const ChunkDigest dbig = Put(*store, big);
  EXPECT_EQ(packs.count(store->Locate(dbig)->pack), 0u);
  EXPECT_EQ(PackFiles("pack").size(), 4u);
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  for (const auto& c : chunks) EXPECT_EQ(*store->Read(DigestOf(c)), c);
  EXPECT_EQ(*store->Read(dbig), big);
}

TEST_F(PackChunkStoreTest, RemovingMoreThanHalfOfAnOlderPackCompactsIt) {
  auto store = OpenSmallPacks(4 * kBlock);
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 12; ++i) {
    chunks.push_back(i % 3 == 0 ? Compressible(4000, static_cast<uint8_t>(i + 1))
                                : MemoryDisk::RandomBytes(4000, 80 + i));
    Put(*store, chunks.back());
  }
  ASSERT_EQ(PackFiles("pack").size(), 3u);
  const fs::path first = store->Locate(DigestOf(chunks[0]))->pack;
  ASSERT_EQ(store->Locate(DigestOf(chunks[3]))->pack, first);
  // Half removed: not yet.
  ASSERT_TRUE(store->Remove(DigestOf(chunks[0])).ok());
  ASSERT_TRUE(store->RemoveIfUnused(DigestOf(chunks[1]), kStart + 1)->has_value());
  EXPECT_EQ(store->compactions(), 0u);
  EXPECT_TRUE(fs::exists(first));
  // More than half: the two live chunks move to the newest pack, the old pack goes.
  ASSERT_TRUE(store->Remove(DigestOf(chunks[2])).ok());
  EXPECT_EQ(store->compactions(), 1u);
  EXPECT_FALSE(fs::exists(first));
  EXPECT_FALSE(fs::exists(fs::path(first).replace_extension(".idx")));
  EXPECT_EQ(PackFiles("pack").size(), PackFiles("idx").size());
  EXPECT_NE(store->Locate(DigestOf(chunks[3]))->pack, first);
  auto check = [&](PackChunkStore& s) {
    EXPECT_EQ(s.Usage()->chunks, 9u);
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (i < 3) {
        EXPECT_FALSE(*s.Contains(DigestOf(chunks[i]))) << i;
        continue;
      }
      Result<std::vector<uint8_t>> back = s.Read(DigestOf(chunks[i]));
      ASSERT_TRUE(back.ok()) << i << ": " << back.status().ToString();
      EXPECT_EQ(*back, chunks[i]) << i;
    }
  };
  check(*store);
  // The newest pack is never compacted, however empty.
  const fs::path newest = store->Locate(DigestOf(chunks[3]))->pack;
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  check(*store);
  EXPECT_TRUE(fs::exists(newest));
  EXPECT_FALSE(fs::exists(first));
  // Compaction continues after a reopen: the second pack.
  for (int i : {4, 5, 6}) ASSERT_TRUE(store->Remove(DigestOf(chunks[i])).ok());
  EXPECT_EQ(store->compactions(), 1u);
  EXPECT_EQ(*store->Read(DigestOf(chunks[7])), chunks[7]);
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  EXPECT_EQ(store->Usage()->chunks, 6u);
  for (int i : {3, 7, 8, 9, 10, 11}) EXPECT_EQ(*store->Read(DigestOf(chunks[i])), chunks[i]) << i;
}

TEST_F(PackChunkStoreTest, ADamagedChunkStopsTheCompactionOfItsPackAndNothingIsLost) {
  auto store = OpenSmallPacks(4 * kBlock);
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 8; ++i) {
    chunks.push_back(MemoryDisk::RandomBytes(4000, 90 + i));
    Put(*store, chunks.back());
  }
  const PackLocation damaged = *store->Locate(DigestOf(chunks[3]));
  const fs::path first = damaged.pack;
  ASSERT_EQ(store->Locate(DigestOf(chunks[0]))->pack, first);
  FlipByte(first, damaged.offset + 1);
  for (int i : {0, 1, 2}) ASSERT_TRUE(store->Remove(DigestOf(chunks[i])).ok());
  EXPECT_EQ(store->compactions(), 0u);
  EXPECT_TRUE(fs::exists(first));
  EXPECT_TRUE(fs::exists(fs::path(first).replace_extension(".idx")));
  // The damage is where it was (a scrub finds it), not copied, not lost.
  EXPECT_EQ(store->Locate(DigestOf(chunks[3]))->pack, first);
  ExpectDataLoss(*store, DigestOf(chunks[3]), "damaged in the pack being compacted");
  for (int i = 4; i < 8; ++i) EXPECT_EQ(*store->Read(DigestOf(chunks[i])), chunks[i]);
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  EXPECT_EQ(store->Usage()->chunks, 5u);
  ExpectDataLoss(*store, DigestOf(chunks[3]), "after a reopen");
  // Repaired, the pack is no longer needed: its last chunk moved out, it goes at the next open.
  Put(*store, chunks[3]);
  EXPECT_EQ(*store->Read(DigestOf(chunks[3])), chunks[3]);
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  EXPECT_FALSE(fs::exists(first));
  for (int i = 3; i < 8; ++i) EXPECT_EQ(*store->Read(DigestOf(chunks[i])), chunks[i]);
}

// Moving a chunk is not using it: a collection after a compaction still takes what it moved.
TEST_F(PackChunkStoreTest, ACompactionKeepsTheLastUsedTimesOfTheChunksItMoves) {
  auto store = OpenSmallPacks(4 * kBlock);
  std::vector<ChunkDigest> first;
  for (int i = 0; i < 4; ++i) first.push_back(Put(*store, MemoryDisk::RandomBytes(4000, 140 + i)));
  Put(*store, MemoryDisk::RandomBytes(4000, 150));  // the next pack
  clock_.Advance(10000);
  for (int i : {0, 1, 2}) ASSERT_TRUE(store->Remove(first[i]).ok());
  ASSERT_EQ(store->compactions(), 1u);
  EXPECT_EQ(Listed(*store)[first[3]], kStart);
  EXPECT_EQ(*store->RemoveIfUnused(first[3], kStart + 5000), std::optional<uint64_t>(kBlock));
  EXPECT_EQ(store->Usage()->chunks, 1u);
}

// A batch's chunk is written when it is added, into the newest pack; that pack may be older
// (and emptied enough to be compacted) by the time the batch commits.
TEST_F(PackChunkStoreTest, AChunkAddedToAPackThatIsCompactedBeforeItsCommitIsKept) {
  auto store = OpenSmallPacks(4 * kBlock);
  const std::vector<uint8_t> x = MemoryDisk::RandomBytes(4000, 160);
  auto slow = store->BeginBatch();
  ASSERT_TRUE(slow->Add(DigestOf(x), x).ok());
  std::vector<ChunkDigest> others;
  for (int i = 0; i < 4; ++i) others.push_back(Put(*store, MemoryDisk::RandomBytes(4000, 161 + i)));
  const fs::path first = store->Locate(others[0])->pack;
  ASSERT_NE(store->Locate(others[3])->pack, first);
  ASSERT_TRUE(store->Remove(others[0]).ok());
  ASSERT_TRUE(store->Remove(others[1]).ok());
  ASSERT_TRUE(slow->Commit().ok());
  Result<std::vector<uint8_t>> back = store->Read(DigestOf(x));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, x);
  EXPECT_EQ(*store->Read(others[2]), MemoryDisk::RandomBytes(4000, 163));
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  back = store->Read(DigestOf(x));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, x);
  EXPECT_EQ(*store->Read(others[2]), MemoryDisk::RandomBytes(4000, 163));
  EXPECT_EQ(store->Usage()->chunks, 3u);
}

// Two batches commit the same chunk, the later commit's copy in an older pack than the earlier
// one's (it was added before the newer pack started): the chunk survives a reopen.
TEST_F(PackChunkStoreTest, AChunkCommittedAgainFromAnOlderPackSurvivesAReopen) {
  auto store = OpenSmallPacks(2 * kBlock);
  const std::vector<uint8_t> d = MemoryDisk::RandomBytes(4000, 170);
  auto early = store->BeginBatch();
  ASSERT_TRUE(early->Add(DigestOf(d), d).ok());                                // pack 1
  const ChunkDigest filler = Put(*store, MemoryDisk::RandomBytes(4000, 171));  // pack 1, full
  Put(*store, d);                                                              // pack 2
  const fs::path newer = store->Locate(DigestOf(d))->pack;
  ASSERT_NE(store->Locate(filler)->pack, newer);
  ASSERT_TRUE(early->Commit().ok());
  EXPECT_EQ(*store->Read(DigestOf(d)), d);
  store.reset();
  store = OpenSmallPacks(2 * kBlock);
  Result<std::vector<uint8_t>> back = store->Read(DigestOf(d));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, d);
  EXPECT_EQ(store->Usage()->chunks, 2u);
}

// The same with a staged batch across a restart: staged before it, the chunk committed by
// another upload after it, then the staged batch commits.
TEST_F(PackChunkStoreTest, AStagedChunkCommittedAfterANewerCopyOfItSurvivesAReopen) {
  const std::vector<uint8_t> d = MemoryDisk::RandomBytes(4000, 172);
  {
    auto store = OpenStore();
    auto batch = store->OpenStagedBatch("upload");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(d), d).ok());
  }
  {
    auto store = OpenStore();
    Put(*store, d);  // another upload of the same content, into the new pack
    auto batch = store->OpenStagedBatch("upload");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Commit().ok());
    EXPECT_EQ(*store->Read(DigestOf(d)), d);
    batch->reset();
    ASSERT_TRUE(store->DiscardStagedBatch("upload").ok());
  }
  auto store = OpenStore();
  Result<std::vector<uint8_t>> back = store->Read(DigestOf(d));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, d);
}

TEST_F(PackChunkStoreTest, CompressedChunksAreCompactedAndStayCompressed) {
  auto store = OpenStore(/*compress=*/true, {.pack_bytes = 4 * kBlock});
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 8; ++i) {
    chunks.push_back(Compressible(40000, static_cast<uint8_t>(i + 1)));
    Put(*store, chunks.back());
  }
  const PackLocation moved = *store->Locate(DigestOf(chunks[3]));
  ASSERT_LT(moved.stored_length, kBlock);
  ASSERT_EQ(store->Locate(DigestOf(chunks[0]))->pack, moved.pack);
  for (int i : {0, 1, 2}) ASSERT_TRUE(store->Remove(DigestOf(chunks[i])).ok());
  ASSERT_EQ(store->compactions(), 1u);
  EXPECT_FALSE(fs::exists(moved.pack));
  EXPECT_EQ(store->Locate(DigestOf(chunks[3]))->stored_length, moved.stored_length);
  store.reset();
  store = OpenStore(/*compress=*/false, {.pack_bytes = 4 * kBlock});
  for (int i = 3; i < 8; ++i) EXPECT_EQ(*store->Read(DigestOf(chunks[i])), chunks[i]) << i;
}

// Chunks holding all-zero stretches (a file system's free blocks beside data) keep only their
// segments that are not all zero: 4 KiB segments up to 64 KiB chunks, 16 segments beyond.
TEST_F(PackChunkStoreTest, ZeroSegmentsAreLeftOutOfTheRecordAndPutBackOnRead) {
  struct Case {
    std::string what;
    std::vector<uint8_t> content;
    uint64_t stored;
  };
  const std::vector<Case> cases = {
      {"32 KiB, blocks 1, 2 and 7 zero", WithZeroStretches(32 << 10, {1, 2, 7}, 1), 5 * kBlock},
      {"256 KiB, 16 KiB segments 0 and 15 zero, and 4 KiB inside segment 3 (kept)",
       [] {
         std::vector<uint8_t> c = WithZeroStretches(256 << 10, {0, 15}, 2, 16 << 10);
         std::fill(c.begin() + (3 << 14), c.begin() + (3 << 14) + kBlock, 0);
         return c;
       }(),
       14 * (16 << 10)},
      {"33 KiB, the short last segment zero", WithZeroStretches(33 << 10, {8}, 3), 8 * kBlock},
      {"32 KiB, 3900 zero bytes: no whole segment",
       [] {
         std::vector<uint8_t> c = MemoryDisk::RandomBytes(32 << 10, 4);
         std::fill(c.begin() + 100, c.begin() + 4000, 0);
         return c;
       }(),
       32 << 10},
      {"32 KiB, all zero: nothing would be left", std::vector<uint8_t>(32 << 10), 32 << 10},
  };
  uint64_t usage = 0;
  {
    auto store = OpenStore();
    for (const Case& c : cases) {
      const ChunkDigest d = Put(*store, c.content);
      EXPECT_EQ(store->Locate(d)->stored_length, c.stored) << c.what;
      EXPECT_EQ(*store->Read(d), c.content) << c.what;
      EXPECT_TRUE(*store->ContainsWhole(d, c.content.size())) << c.what;
      usage += Padded(c.stored);
    }
    EXPECT_EQ(store->Usage()->stored_bytes, usage);
    EXPECT_EQ(PackBytes(), usage);
  }
  // The log keeps which segments were left out.
  auto store = OpenStore();
  for (const Case& c : cases) {
    const ChunkDigest d = DigestOf(c.content);
    EXPECT_EQ(*store->Read(d), c.content) << c.what << ", after a reopen";
    EXPECT_EQ(store->Locate(d)->stored_length, c.stored) << c.what << ", after a reopen";
  }
  EXPECT_EQ(store->Usage()->stored_bytes, usage);
}

TEST_F(PackChunkStoreTest, CompressionIsUsedOnlyWhenItBeatsLeavingOutZeroSegments) {
  auto store = OpenStore(/*compress=*/true);
  // Random blocks do not compress: the zero segments are left out, the rest kept as is.
  const std::vector<uint8_t> noise = WithZeroStretches(32 << 10, {0, 4}, 5);
  // Compressible blocks: zstd takes less than the 6 blocks left out of the zero ones.
  std::vector<uint8_t> text = Compressible(32 << 10, 5);
  std::fill(text.begin(), text.begin() + 2 * kBlock, 0);
  const ChunkDigest dn = Put(*store, noise);
  const ChunkDigest dt = Put(*store, text);
  EXPECT_EQ(store->Locate(dn)->stored_length, 6 * kBlock);
  EXPECT_LT(store->Locate(dt)->stored_length, kBlock);
  store.reset();
  store = OpenStore(/*compress=*/false);
  EXPECT_EQ(*store->Read(dn), noise);
  EXPECT_EQ(*store->Read(dt), text);
}

TEST_F(PackChunkStoreTest, ADamagedRecordWithoutItsZeroSegmentsIsDataLoss) {
  auto store = OpenStore();
  const std::vector<uint8_t> content = WithZeroStretches(32 << 10, {0, 3, 4}, 6);
  const ChunkDigest d = Put(*store, content);
  const PackLocation at = *store->Locate(d);
  ASSERT_EQ(at.stored_length, 5 * kBlock);
  for (uint64_t pos : {uint64_t{0}, uint64_t{kBlock + 7}, uint64_t{at.stored_length - 1}}) {
    FlipByte(at.pack, at.offset + pos);
    ExpectDataLoss(*store, d, "flip at " + std::to_string(pos));
    FlipByte(at.pack, at.offset + pos);
    EXPECT_EQ(*store->Read(d), content);
  }
  fs::resize_file(at.pack, at.offset + at.stored_length - kBlock);
  ExpectDataLoss(*store, d, "truncated");
}

TEST_F(PackChunkStoreTest, ChunksWithoutTheirZeroSegmentsAreCompactedAndStaySo) {
  auto store = OpenSmallPacks(8 * kBlock);
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 8; ++i) {
    chunks.push_back(WithZeroStretches(32 << 10, {1, 2, 3, 5, 6, 7}, 10 + i));  // 2 blocks kept
    Put(*store, chunks.back());
  }
  const PackLocation moved = *store->Locate(DigestOf(chunks[3]));
  ASSERT_EQ(moved.stored_length, 2 * kBlock);
  ASSERT_EQ(store->Locate(DigestOf(chunks[0]))->pack, moved.pack);
  for (int i : {0, 1, 2}) ASSERT_TRUE(store->Remove(DigestOf(chunks[i])).ok());
  ASSERT_EQ(store->compactions(), 1u);
  EXPECT_FALSE(fs::exists(moved.pack));
  EXPECT_EQ(store->Locate(DigestOf(chunks[3]))->stored_length, 2 * kBlock);
  store.reset();
  store = OpenSmallPacks(8 * kBlock);
  for (int i = 3; i < 8; ++i) EXPECT_EQ(*store->Read(DigestOf(chunks[i])), chunks[i]) << i;
}

// What a crash can leave: a pack whose log a compaction deleted, a staged log being rewritten.
TEST_F(PackChunkStoreTest, OpenRemovesWhatAnInterruptedCompactionOrRewriteLeft) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 180);
  {
    auto store = OpenStore();
    Put(*store, a);
  }
  std::ofstream(dir_.path() / "packs" / "00000077.pack") << std::string(8192, 'x');
  std::ofstream(dir_.path() / "staged" / "u.log.new") << "partial";
  auto store = OpenStore();
  EXPECT_FALSE(fs::exists(dir_.path() / "packs" / "00000077.pack"));
  EXPECT_FALSE(fs::exists(dir_.path() / "staged" / "u.log.new"));
  EXPECT_TRUE(store->ListStagedBatches()->empty());
  EXPECT_EQ(*store->Read(DigestOf(a)), a);
  EXPECT_EQ(store->Usage()->chunks, 1u);
}

// ---- staged batches

TEST_F(PackChunkStoreTest, AStagedBatchSurvivesARestartAndIsInvisibleUntilCommitted) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 41);
  const std::vector<uint8_t> b = Compressible(40000, 9);
  const ChunkDigest da = DigestOf(a);
  const ChunkDigest db = DigestOf(b);
  {
    auto store = OpenStore(/*compress=*/true);
    auto batch = store->OpenStagedBatch("upload-1");
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE((*batch)->Add(da, a).ok());
    ASSERT_TRUE((*batch)->Add(db, b).ok());
    ASSERT_TRUE((*batch)->Add(db, b).ok());  // a no-op
    EXPECT_TRUE((*batch)->Holds(da));
    EXPECT_FALSE((*batch)->Holds(DigestOf(MemoryDisk::RandomBytes(1, 1))));
    EXPECT_EQ(*(*batch)->Read(db), b);
    EXPECT_EQ((*batch)->Read(DigestOf(MemoryDisk::RandomBytes(1, 1))).status().code(),
              StatusCode::kNotFound);
    EXPECT_FALSE(*store->Contains(da));
    EXPECT_EQ(store->Read(da).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(*store->ListStagedBatches(), std::vector<std::string>{"upload-1"});
  }  // the process "stops" without a commit
  EXPECT_TRUE(fs::exists(dir_.path() / "staged" / "upload-1.log"));
  auto store = OpenStore(/*compress=*/true);
  EXPECT_EQ(*store->ListStagedBatches(), std::vector<std::string>{"upload-1"});
  EXPECT_FALSE(*store->Contains(da));
  EXPECT_EQ(store->Usage()->chunks, 0u);
  auto batch = store->OpenStagedBatch("upload-1");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_TRUE((*batch)->Holds(da));
  ASSERT_TRUE((*batch)->Holds(db));
  EXPECT_EQ(*(*batch)->Read(da), a);
  EXPECT_EQ(*(*batch)->Read(db), b);
  EXPECT_FALSE(*store->Contains(da));
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_TRUE(*store->Contains(da));
  EXPECT_EQ(*store->Read(da), a);
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_EQ(*(*batch)->Read(da), a);
  EXPECT_TRUE((*batch)->Holds(da));  // committed: still held
  batch->reset();
  store.reset();
  // The commit is durable, the batch stays listed until discarded.
  store = OpenStore();
  EXPECT_EQ(*store->Read(da), a);
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_EQ(*store->ListStagedBatches(), std::vector<std::string>{"upload-1"});
  ASSERT_TRUE(store->DiscardStagedBatch("upload-1").ok());
  EXPECT_TRUE(store->ListStagedBatches()->empty());
  EXPECT_FALSE(fs::exists(dir_.path() / "staged" / "upload-1.log"));
  EXPECT_EQ(*store->Read(da), a);  // committed chunks stay
  store.reset();
  store = OpenStore();
  EXPECT_TRUE(store->ListStagedBatches()->empty());
  EXPECT_EQ(*store->Read(db), b);
}

TEST_F(PackChunkStoreTest, AStagedChunkTheStoreHasIsHeldNotWrittenAndNotCollected) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 42);
  ChunkDigest da;
  {
    auto store = OpenStore();
    da = Put(*store, a);
    const uint64_t pack_bytes = PackBytes();
    auto batch = store->OpenStagedBatch("upload-2");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(da, a).ok());
    EXPECT_TRUE((*batch)->Holds(da));
    EXPECT_EQ(PackBytes(), pack_bytes);  // held, not written again
    EXPECT_EQ(*(*batch)->Read(da), a);
    clock_.Advance(100000);
    EXPECT_FALSE(store->RemoveIfUnused(da, clock_.Now())->has_value());
    EXPECT_TRUE(*store->Contains(da));
  }
  // Reopened, the batch not: its log still keeps the chunk from a collection.
  clock_.Advance(100000);
  {
    auto store = OpenStore();
    EXPECT_FALSE(store->RemoveIfUnused(da, clock_.Now() + 1)->has_value());
    EXPECT_EQ(*store->Read(da), a);
    ASSERT_TRUE(store->DiscardStagedBatch("upload-2").ok());
    // Discarded: collectable.
    EXPECT_EQ(*store->RemoveIfUnused(da, clock_.Now() + 1), std::optional<uint64_t>(kBlock));
    EXPECT_FALSE(*store->Contains(da));
  }
  auto store = OpenStore();
  EXPECT_FALSE(*store->Contains(da));
}

TEST_F(PackChunkStoreTest, AHoldSurvivesAReopenAndTheFirstOpenOfItsBatch) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 43);
  ChunkDigest da;
  {
    auto store = OpenStore();
    da = Put(*store, a);
    auto batch = store->OpenStagedBatch("upload-3");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(da, a).ok());
  }
  clock_.Advance(100000);
  auto store = OpenStore();
  auto batch = store->OpenStagedBatch("upload-3");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE((*batch)->Holds(da));
  EXPECT_EQ(*(*batch)->Read(da), a);
  EXPECT_FALSE(store->RemoveIfUnused(da, clock_.Now() + 1)->has_value());
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_FALSE(store->RemoveIfUnused(da, clock_.Now() + 1)->has_value());
  batch->reset();
  store.reset();
  store = OpenStore();  // the rewritten log still holds it
  EXPECT_FALSE(store->RemoveIfUnused(da, clock_.Now() + 1)->has_value());
  EXPECT_EQ(*store->Read(da), a);
}

TEST_F(PackChunkStoreTest, TheFirstOpenOfAStagedBatchAfterARestartDropsDamagedChunks) {
  const std::vector<uint8_t> good = MemoryDisk::RandomBytes(4096, 43);
  const std::vector<uint8_t> bad = MemoryDisk::RandomBytes(4096, 44);
  {
    auto store = OpenStore();
    auto batch = store->OpenStagedBatch("upload-3");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(good), good).ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(bad), bad).ok());
  }
  // A fresh store's first pack: `good` at 0, `bad` at 4096.
  ASSERT_EQ(PackFiles("pack").size(), 1u);
  const fs::path pack = dir_.path() / "packs" / *PackFiles("pack").begin();
  ASSERT_EQ(fs::file_size(pack), 2 * kBlock);
  FlipByte(pack, kBlock + 10);
  EXPECT_EQ(fs::file_size(dir_.path() / "staged" / "upload-3.log"), 2 * kLogEntry);
  auto store = OpenStore();
  auto batch = store->OpenStagedBatch("upload-3");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE((*batch)->Holds(DigestOf(good)));
  EXPECT_FALSE((*batch)->Holds(DigestOf(bad)));
  EXPECT_EQ((*batch)->Read(DigestOf(bad)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs::file_size(dir_.path() / "staged" / "upload-3.log"), kLogEntry);  // rewritten
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_FALSE(*store->Contains(DigestOf(bad)));
  EXPECT_EQ(*store->Read(DigestOf(good)), good);
  // The dropped chunk can be staged again.
  ASSERT_TRUE((*batch)->Add(DigestOf(bad), bad).ok());
  EXPECT_EQ(*(*batch)->Read(DigestOf(bad)), bad);
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_EQ(*store->Read(DigestOf(bad)), bad);
}

TEST_F(PackChunkStoreTest, ATornStagedLogIsCutAtOpen) {
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 45);
  {
    auto store = OpenStore();
    auto batch = store->OpenStagedBatch("torn");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(a), a).ok());
  }
  AppendBytes(dir_.path() / "staged" / "torn.log", "half an entry");
  auto store = OpenStore();
  auto batch = store->OpenStagedBatch("torn");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE((*batch)->Holds(DigestOf(a)));
  EXPECT_EQ(fs::file_size(dir_.path() / "staged" / "torn.log"), kLogEntry);
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_EQ(*store->Read(DigestOf(a)), a);
}

TEST_F(PackChunkStoreTest, StagedBatchNamesAreCheckedAndOpenOnceAtATime) {
  auto store = OpenStore();
  for (const std::string& name :
       std::vector<std::string>{"", ".", "..", "a/b", "x y", "../up", std::string(129, 'a')}) {
    EXPECT_EQ(store->OpenStagedBatch(name).status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(store->DiscardStagedBatch(name).code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE(store->ListStagedBatches()->empty());
  auto first = store->OpenStagedBatch("u-1_v.2");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(store->OpenStagedBatch("u-1_v.2").status().code(), StatusCode::kFailedPrecondition);
  first->reset();
  EXPECT_TRUE(store->OpenStagedBatch("u-1_v.2").ok());
}

TEST_F(PackChunkStoreTest, DiscardingAStagedBatchDropsItsChunks) {
  auto store = OpenStore();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 45);
  {
    auto batch = store->OpenStagedBatch("gone");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(a), a).ok());
  }
  auto other = store->OpenStagedBatch("kept");
  ASSERT_TRUE(other.ok());
  std::vector<std::string> names = *store->ListStagedBatches();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"gone", "kept"}));
  ASSERT_TRUE(store->DiscardStagedBatch("gone").ok());
  EXPECT_FALSE(fs::exists(dir_.path() / "staged" / "gone.log"));
  EXPECT_EQ(*store->ListStagedBatches(), std::vector<std::string>{"kept"});
  EXPECT_TRUE(store->DiscardStagedBatch("gone").ok());  // a missing one is fine
  EXPECT_TRUE(store->DiscardStagedBatch("never").ok());
  EXPECT_FALSE(*store->Contains(DigestOf(a)));
  auto again = store->OpenStagedBatch("gone");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->Holds(DigestOf(a)));
  again->reset();
  other->reset();
  store.reset();
  store = OpenStore();
  names = *store->ListStagedBatches();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"gone", "kept"}));
  EXPECT_FALSE(*store->Contains(DigestOf(a)));
}

TEST_F(PackChunkStoreTest, APackAStagedBatchWroteIntoIsCompactedOnlyOnceTheBatchIsDiscarded) {
  auto store = OpenSmallPacks(4 * kBlock);
  const std::vector<uint8_t> s = MemoryDisk::RandomBytes(4000, 120);
  auto batch = store->OpenStagedBatch("upload");
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE((*batch)->Add(DigestOf(s), s).ok());
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 6; ++i) {
    chunks.push_back(MemoryDisk::RandomBytes(4000, 121 + i));
    Put(*store, chunks.back());
  }
  const fs::path first = store->Locate(DigestOf(chunks[0]))->pack;
  ASSERT_EQ(store->Locate(DigestOf(chunks[2]))->pack, first);
  ASSERT_NE(store->Locate(DigestOf(chunks[3]))->pack, first);
  for (int i : {0, 1, 2}) ASSERT_TRUE(store->Remove(DigestOf(chunks[i])).ok());
  EXPECT_EQ(store->compactions(), 0u);
  EXPECT_TRUE(fs::exists(first));
  EXPECT_EQ(*(*batch)->Read(DigestOf(s)), s);
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_EQ(store->Locate(DigestOf(s))->pack, first);
  // Committed but not discarded: still not.
  batch->reset();
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  ASSERT_TRUE(store->Remove(DigestOf(chunks[3])).ok());  // a removal elsewhere
  EXPECT_TRUE(fs::exists(first));
  EXPECT_EQ(store->compactions(), 0u);
  ASSERT_TRUE(store->DiscardStagedBatch("upload").ok());
  EXPECT_EQ(store->compactions(), 1u);
  EXPECT_FALSE(fs::exists(first));
  EXPECT_EQ(*store->Read(DigestOf(s)), s);
  EXPECT_EQ(*store->Read(DigestOf(chunks[4])), chunks[4]);
  store.reset();
  store = OpenSmallPacks(4 * kBlock);
  EXPECT_EQ(*store->Read(DigestOf(s)), s);
  EXPECT_EQ(store->Usage()->chunks, 3u);
}

// ---- concurrency

TEST_F(PackChunkStoreTest, ConcurrentBatchesAndACollectionKeepEverythingCommitted) {
  auto store = OpenSmallPacks(8 * kBlock);
  // Old chunks a collection removes while new ones arrive.
  std::vector<ChunkDigest> old;
  for (int i = 0; i < 40; ++i) {
    old.push_back(Put(*store, MemoryDisk::RandomBytes(3000 + i, 1000 + i)));
  }
  clock_.Advance(10000);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    // Overlapping content between threads: every fifth chunk is shared.
    chunks.push_back(MemoryDisk::RandomBytes(2000 + (i % 7) * 1500, i % 5 == 0 ? 7 : 2000 + i));
  }
  std::atomic<int> failures{0};
  std::atomic<uint64_t> freed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto batch = store->BeginBatch();
      for (int i = 0; i < kPerThread; ++i) {
        const auto& c = chunks[t * kPerThread + i];
        if (!batch->Add(DigestOf(c), c).ok()) ++failures;
        if (i % 5 == 4 && !batch->Commit().ok()) ++failures;
      }
      if (!batch->Commit().ok()) ++failures;
    });
  }
  threads.emplace_back([&] {
    for (const ChunkDigest& d : old) {
      Result<std::optional<uint64_t>> r = store->RemoveIfUnused(d, kStart + 5000);
      if (!r.ok() || !r->has_value()) {
        ++failures;
      } else {
        freed += **r;
      }
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(freed.load(), 40 * kBlock);
  EXPECT_GT(store->compactions(), 0u);
  auto check = [&](PackChunkStore& s) {
    for (const ChunkDigest& d : old) EXPECT_FALSE(*s.Contains(d));
    std::set<ChunkDigest> distinct;
    for (size_t i = 0; i < chunks.size(); ++i) {
      distinct.insert(DigestOf(chunks[i]));
      Result<std::vector<uint8_t>> back = s.Read(DigestOf(chunks[i]));
      ASSERT_TRUE(back.ok()) << i << ": " << back.status().ToString();
      EXPECT_EQ(*back, chunks[i]);
    }
    EXPECT_EQ(s.Usage()->chunks, distinct.size());
  };
  check(*store);
  store.reset();
  store = OpenSmallPacks(8 * kBlock);
  check(*store);
}

TEST_F(PackChunkStoreTest, ConcurrentBatchesAppendInOrderToAtMostFourOpenPacks) {
  auto store = OpenStore();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 30;
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    chunks.push_back(MemoryDisk::RandomBytes(1000 + (i % 9) * 2000, 3000 + i));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto batch = store->BeginBatch();
      for (int i = 0; i < kPerThread; ++i) {
        const auto& c = chunks[t * kPerThread + i];
        if (!batch->Add(DigestOf(c), c).ok()) ++failures;
        if (i % 3 == 2 && !batch->Commit().ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // Every pack's records tile it from its start: each write went in order at its pack's end.
  Result<std::map<ChunkDigest, PackLocation>> located = PackChunkStore::Inspect(dir_.path());
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  ASSERT_EQ(located->size(), chunks.size());
  std::map<fs::path, std::map<uint64_t, uint64_t>> records;  // pack -> offset -> padded length
  for (const auto& [digest, at] : *located) {
    records[at.pack][at.offset] = (at.stored_length + kBlock - 1) / kBlock * kBlock;
  }
  EXPECT_LE(records.size(), 4u);
  for (const auto& [pack, by_offset] : records) {
    uint64_t end = 0;
    for (const auto& [offset, padded] : by_offset) {
      EXPECT_EQ(offset, end) << pack;
      end = offset + padded;
    }
    EXPECT_EQ(fs::file_size(pack), end) << pack;
  }
  for (const auto& c : chunks) {
    EXPECT_EQ(*store->Read(DigestOf(c)), c);
  }
}

TEST_F(PackChunkStoreTest, ConcurrentStagedBatchesAndACollectionKeepEverythingStaged) {
  auto store = OpenSmallPacks(8 * kBlock);
  std::vector<ChunkDigest> old;
  for (int i = 0; i < 40; ++i) {
    old.push_back(Put(*store, MemoryDisk::RandomBytes(3000 + i, 3000 + i)));
  }
  clock_.Advance(10000);
  constexpr int kThreads = 3;
  constexpr int kPerThread = 30;
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    chunks.push_back(MemoryDisk::RandomBytes(2500, 4000 + i));
  }
  // Every thread also stages two of the old chunks: held, so the collection keeps them.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto batch = store->OpenStagedBatch("upload-" + std::to_string(t));
      if (!batch.ok()) {
        ++failures;
        return;
      }
      for (int k : {2 * t, 2 * t + 1}) {
        const std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(3000 + k, 3000 + k);
        if (!(*batch)->Add(old[k], bytes).ok()) ++failures;
      }
      for (int i = 0; i < kPerThread; ++i) {
        const auto& c = chunks[t * kPerThread + i];
        if (!(*batch)->Add(DigestOf(c), c).ok()) ++failures;
        if (i % 10 == 9 && !(*batch)->Commit().ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (size_t i = 2 * kThreads; i < old.size(); ++i) {
      Result<std::optional<uint64_t>> r = store->RemoveIfUnused(old[i], kStart + 5000);
      if (!r.ok() || !r->has_value()) ++failures;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < 2 * kThreads; ++i) {
    EXPECT_FALSE(store->RemoveIfUnused(old[i], kStart + 5000)->has_value()) << i;
  }
  auto check = [&](PackChunkStore& s) {
    for (size_t i = 0; i < old.size(); ++i) {
      EXPECT_EQ(*s.Contains(old[i]), i < 2 * kThreads) << i;
    }
    for (size_t i = 0; i < chunks.size(); ++i) {
      Result<std::vector<uint8_t>> back = s.Read(DigestOf(chunks[i]));
      ASSERT_TRUE(back.ok()) << i << ": " << back.status().ToString();
      EXPECT_EQ(*back, chunks[i]);
    }
    EXPECT_EQ(s.ListStagedBatches()->size(), static_cast<size_t>(kThreads));
  };
  check(*store);
  store.reset();
  store = OpenSmallPacks(8 * kBlock);
  check(*store);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(store->DiscardStagedBatch("upload-" + std::to_string(t)).ok());
  }
  for (int i = 0; i < 2 * kThreads; ++i) {
    EXPECT_TRUE(store->RemoveIfUnused(old[i], clock_.Now() + 1)->has_value()) << i;
  }
  for (const auto& c : chunks) EXPECT_EQ(*store->Read(DigestOf(c)), c);
}

TEST_F(PackChunkStoreTest, ConcurrentAddsOfOneChunkToAStagedBatchWriteItOnce) {
  auto store = OpenStore();
  auto batch = store->OpenStagedBatch("same");
  ASSERT_TRUE(batch.ok());
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(128 << 10, 46);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (!(*batch)->Add(DigestOf(a), a).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*(*batch)->Read(DigestOf(a)), a);
  EXPECT_EQ(PackBytes(), a.size());
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_EQ(store->Usage()->chunks, 1u);
}

}  // namespace
}  // namespace gallery::storage
