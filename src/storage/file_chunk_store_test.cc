#include "storage/file_chunk_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/file_util.h"
#include "storage/chunks_test_util.h"

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;

constexpr TimestampMs kStart = 1'800'000'000'000;

std::vector<uint8_t> Compressible(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<uint8_t>((i / 64) * seed);
  }
  return out;
}

class FileChunkStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileChunkStore> OpenStore(bool compress = false) {
    Result<std::unique_ptr<FileChunkStore>> store =
        FileChunkStore::Open(dir_.path(), {.compress = compress, .clock = &clock_});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Adds and commits `bytes`; returns its digest.
  ChunkDigest Put(ChunkStore& store, const std::vector<uint8_t>& bytes) {
    ChunkDigest digest = DigestOf(bytes);
    std::unique_ptr<ChunkBatch> batch = store.BeginBatch();
    EXPECT_TRUE(batch->Add(digest, bytes).ok());
    EXPECT_TRUE(batch->Commit().ok());
    return digest;
  }

  // Files in tmp/ and the batches' folders there.
  size_t TempFiles() const {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path() / "tmp")) {
      n += e.is_regular_file() ? 1 : 0;
    }
    return n;
  }

  TempDir dir_;
  FakeClock clock_{kStart};
};

TEST_F(FileChunkStoreTest, CommittedChunksReadBackVerifiedAndAreCounted) {
  auto store = OpenStore();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(100000, 1);
  std::vector<uint8_t> b = MemoryDisk::RandomBytes(1, 2);
  ChunkDigest da = Put(*store, a);
  ChunkDigest db = Put(*store, b);
  Result<std::vector<uint8_t>> back = store->Read(da);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
  EXPECT_EQ(*store->Read(db), b);
  EXPECT_TRUE(*store->Contains(da));
  EXPECT_EQ(store->ChunkPath(da), dir_.path() / "chunks" / ToHex(da).substr(0, 2) / ToHex(da));
  Result<StoreUsage> usage = store->Usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->chunks, 2u);
  EXPECT_EQ(usage->stored_bytes, 100000u + 1u);  // raw chunks: the content alone
}

TEST_F(FileChunkStoreTest, AbsentChunkIsNotFoundAndNotContained) {
  auto store = OpenStore();
  ChunkDigest d = DigestOf(MemoryDisk::RandomBytes(10, 3));
  EXPECT_FALSE(*store->Contains(d));
  Result<std::vector<uint8_t>> r = store->Read(d);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(ToHex(d)), std::string::npos);
  EXPECT_EQ(store->Remove(d).code(), StatusCode::kNotFound);
}

TEST_F(FileChunkStoreTest, AddingTheSameDigestTwiceInABatchWritesItOnce) {
  auto store = OpenStore();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(5000, 4);
  auto batch = store->BeginBatch();
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  EXPECT_EQ(TempFiles(), 1u);
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_EQ(store->Usage()->chunks, 1u);
  EXPECT_EQ(TempFiles(), 0u);
}

// A long replication keeps one batch: a chunk it committed early that a collection took
// meanwhile is added again when the job finds it missing, and must be written again.
TEST_F(FileChunkStoreTest, AChunkAddedAgainAfterItsCommitIsWrittenAgain) {
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

// Every background_flush_bytes of new chunk files (batches and staged uploads alike), the store
// flushes the file system in the background, so a commit's own flush has less left to do.
TEST_F(FileChunkStoreTest, NewChunkBytesStartBackgroundFlushes) {
  ChunkStoreOptions options;
  options.background_flush_bytes = 40'000;
  auto opened = FileChunkStore::Open(dir_.path(), options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& store = *opened;
  auto batch = store->BeginBatch();
  ASSERT_TRUE(batch->Add(DigestOf(MemoryDisk::RandomBytes(30'000, 1)),
                         MemoryDisk::RandomBytes(30'000, 1)).ok());
  EXPECT_EQ(store->background_flushes(), 0u);  // below the threshold: none asked for
  ASSERT_TRUE(batch->Add(DigestOf(MemoryDisk::RandomBytes(30'000, 2)),
                         MemoryDisk::RandomBytes(30'000, 2)).ok());
  auto staged = store->OpenStagedBatch("u1");
  ASSERT_TRUE(staged.ok());
  for (uint32_t seed = 3; seed < 6; ++seed) {
    const std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(30'000, seed);
    ASSERT_TRUE((*staged)->Add(DigestOf(bytes), bytes).ok());
  }
  // 150,000 bytes crossed 40,000 three times: each crossing asked for a flush (requests while
  // one runs make one more), so one to three ran.
  for (int i = 0; i < 500 && store->background_flushes() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(store->background_flushes(), 1u);
  EXPECT_LE(store->background_flushes(), 3u);
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_EQ(store->Usage()->chunks, 2u);
}

TEST_F(FileChunkStoreTest, ABatchDestroyedWithoutCommitLeavesNothing) {
  auto store = OpenStore();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(5000, 5);
  {
    auto batch = store->BeginBatch();
    ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
    EXPECT_FALSE(*store->Contains(DigestOf(a)));  // staged is not visible
    EXPECT_EQ(TempFiles(), 1u);
  }
  EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));  // the batch's folder went with it
  EXPECT_FALSE(*store->Contains(DigestOf(a)));
  EXPECT_EQ(store->Usage()->chunks, 0u);
}

TEST_F(FileChunkStoreTest, ABatchCommitsAgainAfterMoreAdds) {
  auto store = OpenStore();
  auto batch = store->BeginBatch();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(300, 6);
  std::vector<uint8_t> b = MemoryDisk::RandomBytes(300, 7);
  ASSERT_TRUE(batch->Add(DigestOf(a), a).ok());
  ASSERT_TRUE(batch->Commit().ok());
  ASSERT_TRUE(batch->Add(DigestOf(b), b).ok());
  EXPECT_TRUE(*store->Contains(DigestOf(a)));
  EXPECT_FALSE(*store->Contains(DigestOf(b)));
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_TRUE(*store->Contains(DigestOf(b)));
  EXPECT_TRUE(batch->Commit().ok());  // nothing staged: a no-op
}

// A crash between writing temp files and renaming them: at the next open they are removed,
// and were never visible under a chunk's name.
TEST_F(FileChunkStoreTest, TempFilesLeftByACrashAreNeverVisibleAndRemovedAtOpen) {
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 8);
  ChunkDigest d = DigestOf(a);
  {
    auto store = OpenStore();
    auto batch = store->BeginBatch();
    ASSERT_TRUE(batch->Add(d, a).ok());
    // Simulate the crash: keep the temp file in a batch folder, as a killed process would, a
    // torn one, and a file directly in tmp/.
    fs::create_directory(dir_.path() / "tmp" / "crashed");
    for (const auto& e : fs::recursive_directory_iterator(dir_.path() / "tmp")) {
      if (e.is_regular_file()) {
        fs::copy_file(e.path(), dir_.path() / "tmp" / "crashed" / "copy");
        fs::copy_file(e.path(), dir_.path() / "tmp" / "loose-copy");
        break;
      }
    }
    std::ofstream(dir_.path() / "tmp" / "crashed" / (ToHex(d) + ".torn")) << "GCHK";
    EXPECT_EQ(TempFiles(), 4u);
    EXPECT_FALSE(*store->Contains(d));
  }
  ASSERT_FALSE(fs::is_empty(dir_.path() / "tmp"));
  auto store = OpenStore();
  EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));
  EXPECT_FALSE(*store->Contains(d));
  EXPECT_EQ(store->Read(d).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Usage()->chunks, 0u);
}

TEST_F(FileChunkStoreTest, ASecondOpenOfTheSameRootIsRefusedUntilTheFirstCloses) {
  auto store = OpenStore();
  Result<std::unique_ptr<FileChunkStore>> second = FileChunkStore::Open(dir_.path());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  store.reset();
  EXPECT_TRUE(FileChunkStore::Open(dir_.path()).ok());
}

TEST_F(FileChunkStoreTest, OpenReportsUnavailableWhenTheRootCannotBeCreated) {
  std::ofstream(dir_.path() / "file") << "x";
  Result<std::unique_ptr<FileChunkStore>> r = FileChunkStore::Open(dir_.path() / "file" / "sub");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("file"), std::string::npos) << r.status().message();
}

class DamagedChunkTest : public FileChunkStoreTest,
                         public ::testing::WithParamInterface<bool /*compress*/> {};

TEST_P(DamagedChunkTest, AFlippedByteATruncationOrAForeignFileIsDataLoss) {
  auto store = OpenStore(GetParam());
  const std::vector<uint8_t> content = Compressible(50000, 3);
  const ChunkDigest d = Put(*store, content);
  const fs::path path = store->ChunkPath(d);
  std::string original;
  {
    std::ifstream in(path, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  };
  auto expect_data_loss = [&](const std::string& what) {
    Result<std::vector<uint8_t>> r = store->Read(d);
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << what << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(ToHex(d)), std::string::npos) << what;
  };
  for (size_t pos :
       {size_t{0}, size_t{5}, size_t{9}, size_t{16}, original.size() / 2, original.size() - 1}) {
    std::string flipped = original;
    flipped[pos] = static_cast<char>(flipped[pos] ^ 0x20);
    write(flipped);
    expect_data_loss("flip at " + std::to_string(pos));
  }
  for (size_t n : {size_t{0}, size_t{10}, size_t{16}, original.size() - 1}) {
    write(original.substr(0, n));
    expect_data_loss("truncated to " + std::to_string(n));
  }
  write(original + "x");
  expect_data_loss("one byte more");
  write(original);
  EXPECT_EQ(*store->Read(d), content);
  fs::remove(path);
  EXPECT_EQ(store->Read(d).status().code(), StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(RawAndCompressed, DamagedChunkTest, ::testing::Bool());

TEST_F(FileChunkStoreTest, RawChunksWithTheEarlierHeaderAndContentThatLooksLikeAHeaderAreRead) {
  auto store = OpenStore();
  // A raw chunk as earlier versions wrote it: magic, version 1, encoding raw, length, content.
  const std::vector<uint8_t> legacy = MemoryDisk::RandomBytes(5000, 21);
  const ChunkDigest legacy_digest = DigestOf(legacy);
  std::string file = std::string("GCHK\x01\x00\x00\x00", 8);
  for (int i = 0; i < 8; ++i) {
    file += static_cast<char>((legacy.size() >> (8 * i)) & 0xff);
  }
  file.append(legacy.begin(), legacy.end());
  fs::create_directories(store->ChunkPath(legacy_digest).parent_path());
  std::ofstream(store->ChunkPath(legacy_digest), std::ios::binary) << file;
  EXPECT_EQ(*store->Read(legacy_digest), legacy);
  // Damage in it is still found.
  file[100] = static_cast<char>(file[100] ^ 1);
  std::ofstream(store->ChunkPath(legacy_digest), std::ios::binary | std::ios::trunc) << file;
  EXPECT_EQ(store->Read(legacy_digest).status().code(), StatusCode::kDataLoss);

  // New content that starts like a header is stored as it is and read back as it is.
  std::vector<uint8_t> lookalike(file.begin(), file.end());
  const ChunkDigest lookalike_digest = Put(*store, lookalike);
  EXPECT_EQ(fs::file_size(store->ChunkPath(lookalike_digest)), lookalike.size());
  EXPECT_EQ(*store->Read(lookalike_digest), lookalike);
}

TEST_F(FileChunkStoreTest, CompressedAndRawChunksCoexistAndDigestTheUncompressedContent) {
  const std::vector<uint8_t> text = Compressible(1 << 20, 5);
  const std::vector<uint8_t> noise = MemoryDisk::RandomBytes(1 << 16, 9);
  ChunkDigest raw_text;
  {
    auto raw = OpenStore(false);
    raw_text = Put(*raw, text);
    EXPECT_EQ(fs::file_size(raw->ChunkPath(raw_text)), text.size());
  }
  auto compressed = OpenStore(true);
  const std::vector<uint8_t> text2 = Compressible(1 << 20, 7);
  ChunkDigest zstd_text = Put(*compressed, text2);
  ChunkDigest zstd_noise = Put(*compressed, noise);
  EXPECT_EQ(zstd_text, DigestOf(text2));
  EXPECT_LT(fs::file_size(compressed->ChunkPath(zstd_text)), text2.size() / 10);
  // Incompressible content is kept raw even when compressing.
  EXPECT_EQ(fs::file_size(compressed->ChunkPath(zstd_noise)), noise.size());
  EXPECT_EQ(*compressed->Read(raw_text), text);
  EXPECT_EQ(*compressed->Read(zstd_text), text2);
  compressed.reset();
  auto raw_again = OpenStore(false);
  EXPECT_EQ(*raw_again->Read(zstd_text), text2);
  EXPECT_EQ(*raw_again->Read(zstd_noise), noise);
}

TEST_F(FileChunkStoreTest, ContainsRefreshesTheLastUsedTimeThatForEachReports) {
  auto store = OpenStore();
  ChunkDigest a = Put(*store, MemoryDisk::RandomBytes(100, 10));
  clock_.Advance(5000);
  ChunkDigest b = Put(*store, MemoryDisk::RandomBytes(100, 11));
  std::map<ChunkDigest, TimestampMs> seen;
  auto list = [&] {
    seen.clear();
    ASSERT_TRUE(store->ForEach([&](const ChunkDigest& d, TimestampMs t) { seen[d] = t; }).ok());
  };
  list();
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[a], kStart);
  EXPECT_EQ(seen[b], kStart + 5000);
  clock_.Advance(5000);
  EXPECT_TRUE(*store->Contains(a));
  list();
  EXPECT_EQ(seen[a], kStart + 10000);
  EXPECT_EQ(seen[b], kStart + 5000);
}

TEST_F(FileChunkStoreTest, ForEachSkipsFilesThatAreNotChunks) {
  auto store = OpenStore();
  ChunkDigest a = Put(*store, MemoryDisk::RandomBytes(100, 12));
  std::ofstream(dir_.path() / "chunks" / "00" / "notes.txt") << "x";
  // A valid name in the wrong fan-out folder is not a chunk of this store either.
  std::string other = ToHex(a);
  std::ofstream(dir_.path() / "chunks" / (other.substr(0, 2) == "00" ? "01" : "00") / other) << "x";
  int n = 0;
  ASSERT_TRUE(store
                  ->ForEach([&](const ChunkDigest& d, TimestampMs) {
                    EXPECT_EQ(d, a);
                    ++n;
                  })
                  .ok());
  EXPECT_EQ(n, 1);
}

TEST_F(FileChunkStoreTest, RemoveIfUnusedKeepsChunksUsedSinceTheCutoff) {
  auto store = OpenStore();
  std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(1000, 13);
  ChunkDigest old_chunk = Put(*store, bytes);
  clock_.Advance(10000);
  ChunkDigest refreshed = Put(*store, MemoryDisk::RandomBytes(1000, 14));
  clock_.Advance(10000);
  ASSERT_TRUE(*store->Contains(refreshed));
  const TimestampMs cutoff = kStart + 15000;
  Result<std::optional<uint64_t>> removed = store->RemoveIfUnused(old_chunk, cutoff);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, std::optional<uint64_t>(1000));
  EXPECT_FALSE(*store->Contains(old_chunk));
  removed = store->RemoveIfUnused(refreshed, cutoff);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->has_value());
  EXPECT_TRUE(*store->Contains(refreshed));
  // Absent: nothing freed, not an error.
  removed = store->RemoveIfUnused(old_chunk, cutoff);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->has_value());
}

// I/O failures (here a folder replaced by a file, which fails with ENOTDIR even for root). The
// message names the store and the OS error, never a path: it reaches clients.
TEST_F(FileChunkStoreTest, IoErrorsAreUnavailableNamingTheStoreAndTheOsErrorButNoPath) {
  Result<std::unique_ptr<FileChunkStore>> opened =
      FileChunkStore::Open(dir_.path(), {.clock = &clock_, .name = "westus-2"});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  FileChunkStore* store = opened->get();
  auto expect_store_level = [&](const Status& s, const std::string& what) {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_EQ(s.message(), "chunk store 'westus-2': " + what + ": Not a directory");
    EXPECT_EQ(s.message().find('/'), std::string::npos) << s.message();
  };
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(100, 15);
  const fs::path tmp = dir_.path() / "tmp";
  fs::remove(tmp);
  std::ofstream(tmp) << "not a folder";
  expect_store_level(store->BeginBatch()->Add(DigestOf(a), a), "cannot create a folder");
  fs::remove(tmp);
  fs::create_directory(tmp);

  ChunkDigest d = Put(*store, a);
  const fs::path fan_out = store->ChunkPath(d).parent_path();
  fs::remove_all(fan_out);
  std::ofstream(fan_out) << "not a folder";
  expect_store_level(store->Read(d).status(), "cannot open a chunk file");
  expect_store_level(store->Contains(d).status(), "cannot refresh the time of a chunk file");
  expect_store_level(store->Remove(d), "cannot remove a chunk file");
  EXPECT_EQ(store->RemoveIfUnused(d, kStart + 1).status().code(), StatusCode::kUnavailable);
  expect_store_level(store->ForEach([](const ChunkDigest&, TimestampMs) {}),
                     "cannot list a folder");
  EXPECT_EQ(store->Usage().status().code(), StatusCode::kUnavailable);
}

// A damaged chunk's DataLoss names the chunk and the store, not the chunk's file.
TEST_F(FileChunkStoreTest, ADamagedChunkNamesItsStoreNotItsFile) {
  Result<std::unique_ptr<FileChunkStore>> opened =
      FileChunkStore::Open(dir_.path(), {.clock = &clock_, .name = "westus-2"});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(100, 17);
  const ChunkDigest d = Put(**opened, a);
  std::ofstream((*opened)->ChunkPath(d), std::ios::binary | std::ios::trunc) << "other bytes";
  Result<std::vector<uint8_t>> r = (*opened)->Read(d);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "chunk " + ToHex(d) +
                                      " in chunk store 'westus-2' is damaged (content does not "
                                      "match its digest)");
}

TEST_F(FileChunkStoreTest, AFailedCommitDiscardsItsChunksAndTheyCanBeAddedAgain) {
  auto store = OpenStore();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(100, 16);
  const ChunkDigest d = DigestOf(a);
  const fs::path fan_out = store->ChunkPath(d).parent_path();
  auto batch = store->BeginBatch();
  ASSERT_TRUE(batch->Add(d, a).ok());
  fs::remove(fan_out);
  std::ofstream(fan_out) << "not a folder";
  Status s = batch->Commit();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("cannot rename a chunk file into place"), std::string::npos)
      << s.message();
  EXPECT_EQ(TempFiles(), 0u);
  fs::remove(fan_out);
  fs::create_directory(fan_out);
  EXPECT_FALSE(*store->Contains(d));
  ASSERT_TRUE(batch->Add(d, a).ok());
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_EQ(*store->Read(d), a);
}

// Several threads adding overlapping chunks to one batch and committing concurrently.
TEST_F(FileChunkStoreTest, ConcurrentAddsAndCommitsStoreEachChunkOnce) {
  auto store = OpenStore();
  auto batch = store->BeginBatch();
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 40; ++i) chunks.push_back(MemoryDisk::RandomBytes(2000, 100 + i));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const auto& c = chunks[(i + t * 10) % 40];
        if (!batch->Add(DigestOf(c), c).ok()) ++failures;
        if (i % 7 == t && !batch->Commit().ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(batch->Commit().ok());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->Usage()->chunks, 40u);
  for (const auto& c : chunks) EXPECT_EQ(*store->Read(DigestOf(c)), c);
  EXPECT_EQ(TempFiles(), 0u);
}


TEST_F(FileChunkStoreTest, ChunksAreWrittenDirectOrThroughThePageCacheAlike) {
  // Direct I/O where the file system has it (this test's folder), the page cache where it has
  // not (tmpfs refuses O_DIRECT) or when switched off: the same chunks either way.
  std::vector<fs::path> roots = {dir_.path() / "direct"};
  if (fs::exists("/dev/shm")) {
    char pattern[] = "/dev/shm/gallery_chunks_XXXXXX";
    if (::mkdtemp(pattern) != nullptr) roots.push_back(pattern);
  }
  for (const fs::path& root : roots) {
    for (bool direct : {true, false}) {
      SCOPED_TRACE(root.string() + (direct ? " direct" : " buffered"));
      const fs::path sub = root / (direct ? "d" : "b");
      auto store = FileChunkStore::Open(sub, {.direct_io = direct, .clock = &clock_});
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      for (size_t size : {size_t{1}, size_t{4096}, size_t{100000}, size_t{128 << 10}}) {
        std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(size, size);
        ChunkDigest digest = Put(**store, bytes);
        EXPECT_EQ(*(*store)->Read(digest), bytes);
        EXPECT_EQ(fs::file_size((*store)->ChunkPath(digest)), size);
      }
    }
    if (root != roots.front()) fs::remove_all(root);
  }
}

// ---- staged batches

TEST_F(FileChunkStoreTest, AStagedBatchSurvivesARestartAndIsInvisibleUntilCommitted) {
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 41);
  const ChunkDigest da = DigestOf(a);
  {
    auto store = OpenStore();
    auto batch = store->OpenStagedBatch("upload-1");
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE((*batch)->Add(da, a).ok());
    EXPECT_TRUE((*batch)->Holds(da));
    EXPECT_FALSE(*store->Contains(da));
  }  // the process "stops" without a commit
  auto store = OpenStore();
  EXPECT_EQ(*store->ListStagedBatches(), std::vector<std::string>{"upload-1"});
  auto batch = store->OpenStagedBatch("upload-1");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_TRUE((*batch)->Holds(da));
  EXPECT_EQ(*(*batch)->Read(da), a);
  EXPECT_FALSE(*store->Contains(da));
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_TRUE(*store->Contains(da));
  EXPECT_EQ(*store->Read(da), a);
  EXPECT_EQ(*(*batch)->Read(da), a);  // still readable through the batch, from the store
  EXPECT_TRUE(fs::is_empty(dir_.path() / "staged" / "upload-1"));
}

TEST_F(FileChunkStoreTest, AStagedChunkTheStoreHoldsIsLinkedAndSurvivesItsRemoval) {
  auto store = OpenStore();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 42);
  const ChunkDigest da = Put(*store, a);
  auto batch = store->OpenStagedBatch("upload-2");
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE((*batch)->Add(da, a).ok());
  struct stat st {};
  ASSERT_EQ(::stat(store->ChunkPath(da).c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);  // linked, not written again
  // A garbage collection takes the stored name meanwhile; the commit brings the chunk back.
  ASSERT_TRUE(store->Remove(da).ok());
  EXPECT_EQ(*(*batch)->Read(da), a);
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_EQ(*store->Read(da), a);
  ASSERT_EQ(::stat(store->ChunkPath(da).c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(FileChunkStoreTest, TheFirstOpenOfAStagedBatchDropsDamagedAndUnfinishedChunks) {
  std::vector<uint8_t> good = MemoryDisk::RandomBytes(4096, 43);
  std::vector<uint8_t> bad = MemoryDisk::RandomBytes(4096, 44);
  const fs::path dir = dir_.path() / "staged" / "upload-3";
  {
    auto store = OpenStore();
    auto batch = store->OpenStagedBatch("upload-3");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(good), good).ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(bad), bad).ok());
  }
  // A power loss cut one file short; a file that is not a chunk was left behind.
  fs::resize_file(dir / ToHex(DigestOf(bad)), 100);
  std::ofstream(dir / (ToHex(DigestOf(good)) + ".part")) << "partial";
  auto store = OpenStore();
  auto batch = store->OpenStagedBatch("upload-3");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE((*batch)->Holds(DigestOf(good)));
  EXPECT_FALSE((*batch)->Holds(DigestOf(bad)));
  EXPECT_EQ((*batch)->Read(DigestOf(bad)).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir / ToHex(DigestOf(bad))));
  EXPECT_FALSE(fs::exists(dir / (ToHex(DigestOf(good)) + ".part")));
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_FALSE(*store->Contains(DigestOf(bad)));
  EXPECT_EQ(*store->Read(DigestOf(good)), good);
}

TEST_F(FileChunkStoreTest, ConcurrentAddsOfOneChunkToAStagedBatchWriteItOnce) {
  auto store = OpenStore();
  auto batch = store->OpenStagedBatch("same");
  ASSERT_TRUE(batch.ok());
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(128 << 10, 46);
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
  ASSERT_TRUE((*batch)->Commit().ok());
  EXPECT_EQ(store->Usage()->chunks, 1u);
}

TEST_F(FileChunkStoreTest, StagedBatchNamesAreCheckedAndOpenOnceAtATime) {
  auto store = OpenStore();
  for (const std::string name : {"", "..", "a/b", "x y"}) {
    EXPECT_EQ(store->OpenStagedBatch(name).status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(store->DiscardStagedBatch(name).code(), StatusCode::kInvalidArgument) << name;
  }
  auto first = store->OpenStagedBatch("u");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(store->OpenStagedBatch("u").status().code(), StatusCode::kFailedPrecondition);
  first->reset();
  EXPECT_TRUE(store->OpenStagedBatch("u").ok());
}

TEST_F(FileChunkStoreTest, DiscardingAStagedBatchRemovesItsChunks) {
  auto store = OpenStore();
  std::vector<uint8_t> a = MemoryDisk::RandomBytes(4096, 45);
  {
    auto batch = store->OpenStagedBatch("gone");
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE((*batch)->Add(DigestOf(a), a).ok());
  }
  ASSERT_TRUE(store->DiscardStagedBatch("gone").ok());
  EXPECT_FALSE(fs::exists(dir_.path() / "staged" / "gone"));
  EXPECT_TRUE(store->ListStagedBatches()->empty());
  EXPECT_TRUE(store->DiscardStagedBatch("gone").ok());  // a missing one is fine
  auto again = store->OpenStagedBatch("gone");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->Holds(DigestOf(a)));
}

TEST_F(FileChunkStoreTest, ContainsWholeRemovesAChunkFileTooShortOrLongForItsLength) {
  auto store = OpenStore(/*compress=*/true);
  const std::vector<uint8_t> random = MemoryDisk::RandomBytes(8192, 5);  // stays raw
  const std::vector<uint8_t> packed = Compressible(8192, 3);             // compressed
  const ChunkDigest r = Put(*store, random);
  const ChunkDigest c = Put(*store, packed);
  EXPECT_TRUE(*store->ContainsWhole(r, random.size()));
  EXPECT_TRUE(*store->ContainsWhole(c, packed.size()));
  // A compressed file claiming another length, and a raw one cut short, are damaged.
  EXPECT_FALSE(*store->ContainsWhole(c, packed.size() + 1));
  EXPECT_FALSE(fs::exists(store->ChunkPath(c)));
  fs::resize_file(store->ChunkPath(r), random.size() - 1);
  EXPECT_FALSE(*store->ContainsWhole(r, random.size()));
  EXPECT_FALSE(fs::exists(store->ChunkPath(r)));
  // An empty file, and an absent one.
  const ChunkDigest again = Put(*store, random);
  fs::resize_file(store->ChunkPath(again), 0);
  EXPECT_FALSE(*store->ContainsWhole(again, random.size()));
  EXPECT_FALSE(*store->ContainsWhole(again, random.size()));
}

TEST_F(FileChunkStoreTest, ContainsWholeAllAsksContainsWholeOfEachChunk) {
  auto store = OpenStore();
  const std::vector<uint8_t> a = MemoryDisk::RandomBytes(3000, 6);
  const ChunkDigest da = Put(*store, a);
  const ChunkDigest absent = DigestOf(MemoryDisk::RandomBytes(3000, 7));
  const std::vector<std::pair<ChunkDigest, uint32_t>> asked = {
      {da, 3000}, {absent, 3000}, {da, 3000}};
  std::vector<bool> present;
  ASSERT_TRUE(store->ContainsWholeAll(asked, &present).ok());
  EXPECT_EQ(present, (std::vector<bool>{true, false, true}));
  const std::vector<std::pair<ChunkDigest, uint32_t>> too_long = {{da, 2999}};
  ASSERT_TRUE(store->ContainsWholeAll(too_long, &present).ok());  // damaged: removed
  EXPECT_EQ(present, std::vector<bool>{false});
  EXPECT_FALSE(fs::exists(store->ChunkPath(da)));
}

// A store's disk that is not mounted leaves an empty mount point (or no store folder): it must
// not be taken for a new store while the metadata records data in it.
TEST(FileChunkStoreMarkerTest, AMissingStoreThatHoldsDataIsRefusedAndNothingIsWritten) {
  TempDir dir;
  const fs::path root = dir.path() / "mnt" / "canadaeast";
  bool asked = false;
  Result<std::unique_ptr<FileChunkStore>> store =
      FileChunkStore::Open(root, {.name = "canadaeast", .holds_data = [&]() -> Result<bool> {
                                    asked = true;
                                    return true;
                                  }});
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(asked);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("chunk store 'canadaeast' is missing"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("not mounted"), std::string::npos);
  EXPECT_EQ(store.status().message().find(dir.path().string()), std::string::npos);
  EXPECT_FALSE(fs::exists(root));  // nothing written into the mount point
  // An empty mount point that is the store's folder itself: the same.
  fs::create_directories(root);
  store = FileChunkStore::Open(
      root, {.name = "canadaeast", .holds_data = [] { return Result<bool>(true); }});
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(fs::is_empty(root));
}

TEST(FileChunkStoreMarkerTest, ANewStoreGetsAMarkerAndOpensAgainOnceItHoldsData) {
  TempDir dir;
  const fs::path root = dir.path() / "westus";
  auto holds = [](bool value) { return [value]() -> Result<bool> { return value; }; };
  {
    auto store = FileChunkStore::Open(root, {.name = "westus", .holds_data = holds(false)});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  EXPECT_EQ(*ReadFile(root / "STORE"), "gallery chunk store\nname westus\n");
  auto again = FileChunkStore::Open(root, {.name = "westus", .holds_data = holds(true)});
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(FileChunkStoreMarkerTest, AStoreOfAnEarlierVersionWithChunksIsAdopted) {
  TempDir dir;
  const fs::path root = dir.path() / "eastus";
  {
    auto store = FileChunkStore::Open(root, {.name = "eastus"});
    ASSERT_TRUE(store.ok());
    std::unique_ptr<ChunkBatch> batch = (*store)->BeginBatch();
    std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(4096, 3);
    ASSERT_TRUE(batch->Add(DigestOf(bytes), bytes).ok());
    ASSERT_TRUE(batch->Commit().ok());
  }
  fs::remove(root / "STORE");  // as stores were before markers
  auto store = FileChunkStore::Open(
      root, {.name = "eastus", .holds_data = [] { return Result<bool>(true); }});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(fs::exists(root / "STORE"));
}

TEST(FileChunkStoreMarkerTest, AFolderHoldingAnotherStoreIsRefused) {
  TempDir dir;
  const fs::path root = dir.path() / "shared";
  ASSERT_TRUE(FileChunkStore::Open(root, {.name = "eastus"}).ok());
  auto store = FileChunkStore::Open(root, {.name = "westus"});
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("holds another store"), std::string::npos)
      << store.status().message();
}

}  // namespace
}  // namespace gallery::storage
