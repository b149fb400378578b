#include "storage/upload_blob.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "storage/disk_image.h"
#include "storage/file_chunk_store.h"
#include "storage/image_test_util.h"
#include "storage/ingest.h"
#include "storage/manifest_disk.h"

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;
using testing::QemuImagesTest;
using testing::ReadBytes;

constexpr uint32_t kChunk = 64 << 10;

std::vector<uint8_t> Random(size_t n, uint32_t seed) {
  std::vector<uint8_t> out(n);
  std::mt19937 rng(seed);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Allocated bytes of a file (a sparse file's data).
uint64_t Allocated(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

class UploadBlobTest : public QemuImagesTest {
 protected:
  void SetUp() override {
    QemuImagesTest::SetUp();
    OpenStore();
  }

  void OpenStore() {
    store_.reset();
    auto store = FileChunkStore::Open(root() / "store");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  fs::path root() const { return fs::path(dir.File("")).parent_path(); }
  fs::path uploads() const { return root() / "uploads"; }

  std::unique_ptr<UploadBlob> Open(uint64_t size, uint32_t chunk = kChunk,
                                   TaskPool* pool = nullptr) {
    auto upload = UploadBlob::Open(uploads(), "u1", size, *store_, chunk, pool);
    EXPECT_TRUE(upload.ok()) << upload.status().ToString();
    return upload.ok() ? std::move(upload).value() : nullptr;
  }

  std::vector<uint8_t> ReadAll(const UploadBlob& upload) {
    std::vector<uint8_t> out(upload.size());
    Status s = upload.ReadPages(0, out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Writes `bytes` at `offset` and puts them into `expected`, the blob's bytes as they should
  // read.
  static void Write(UploadBlob& upload, uint64_t offset, const std::vector<uint8_t>& bytes,
                    std::vector<uint8_t>& expected) {
    Status s = upload.WritePages(offset, bytes);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::copy(bytes.begin(), bytes.end(), expected.begin() + static_cast<ptrdiff_t>(offset));
  }

  size_t StagedFiles() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(root() / "store/staged/u1")) ++n;
    return n;
  }

  std::unique_ptr<FileChunkStore> store_;
};

TEST_F(UploadBlobTest, WholeChunksAreStagedAsTheyArriveAndTheBlobStaysEmpty) {
  const uint64_t size = 8 * kChunk + 512;
  auto upload = Open(size);
  ASSERT_NE(upload, nullptr);
  std::vector<uint8_t> expected(size, 0);
  std::vector<uint8_t> data = Random(4 * kChunk, 1);
  ASSERT_NO_FATAL_FAILURE(Write(*upload, 2 * kChunk, data, expected));
  EXPECT_EQ(ReadAll(*upload), expected);
  EXPECT_EQ(Allocated(uploads() / "u1.blob"), 0u);
  EXPECT_EQ(StagedFiles(), 4u);
  EXPECT_EQ(*upload->PageRanges(), (std::vector<PageRange>{{2 * kChunk, 4 * kChunk}}));
  // Not in the store until committed.
  EXPECT_FALSE(*store_->Contains(DigestOf(std::span(data).first(kChunk))));
  ASSERT_TRUE(upload->CommitChunks().ok());
  EXPECT_TRUE(*store_->Contains(DigestOf(std::span(data).first(kChunk))));
  EXPECT_EQ(ReadAll(*upload), expected);
}

// With a pool, the whole chunks of one write are staged by several threads: the same chunks,
// slots and bytes as without, the edges of an unaligned write still in the blob.
TEST_F(UploadBlobTest, APoolStagesTheWholeChunksOfAWriteInParallel) {
  TaskPool pool(4);
  const uint64_t size = 40 * kChunk + 512;
  auto upload = Open(size, kChunk, &pool);
  ASSERT_NE(upload, nullptr);
  std::vector<uint8_t> expected(size, 0);
  std::vector<uint8_t> data = Random(32 * kChunk + 1024, 21);
  std::fill_n(data.begin() + 512 + 5 * kChunk, kChunk, 0);  // a zero chunk in the middle
  ASSERT_NO_FATAL_FAILURE(Write(*upload, kChunk - 512, data, expected));
  EXPECT_EQ(ReadAll(*upload), expected);
  EXPECT_EQ(StagedFiles(), 31u);  // 32 whole chunks, one of zeros
  auto source = upload->Source();
  for (uint64_t i = 1; i <= 32; ++i) {
    std::span<const uint8_t> chunk = std::span(expected).subspan(i * kChunk, kChunk);
    EXPECT_EQ(source->KnownDigest(i * kChunk, kChunk),
              i == 6 ? std::nullopt : std::optional<ChunkDigest>(DigestOf(chunk)))
        << i;
  }
  EXPECT_FALSE(source->KnownDigest(0, kChunk).has_value());  // the leading edge: in the blob
  ASSERT_TRUE(upload->CommitChunks().ok());
  EXPECT_EQ(store_->Usage()->chunks, 31u);
  EXPECT_EQ(ReadAll(*upload), expected);
}

// The pool hashes 256 KiB of chunks per task: a write whose last task is short (7 chunks of
// 64 KiB: tasks of 4 and 3) still hashes and stages every chunk.
TEST_F(UploadBlobTest, APoolHashesEveryChunkWhenTheLastTaskIsShort) {
  TaskPool pool(4);
  const uint64_t size = 16 * kChunk + 512;
  auto upload = Open(size, kChunk, &pool);
  ASSERT_NE(upload, nullptr);
  std::vector<uint8_t> expected(size, 0);
  ASSERT_NO_FATAL_FAILURE(Write(*upload, 2 * kChunk, Random(7 * kChunk, 23), expected));
  EXPECT_EQ(StagedFiles(), 7u);
  auto source = upload->Source();
  for (uint64_t i = 2; i < 9; ++i) {
    EXPECT_EQ(source->KnownDigest(i * kChunk, kChunk),
              std::optional<ChunkDigest>(DigestOf(std::span(expected).subspan(i * kChunk, kChunk))))
        << i;
  }
  EXPECT_EQ(ReadAll(*upload), expected);
}

// A chunk that cannot be staged fails the write, whichever thread staged it.
TEST_F(UploadBlobTest, AChunkThatCannotBeStagedFailsAParallelWrite) {
  TaskPool pool(4);
  const uint64_t size = 16 * kChunk + 512;
  auto upload = Open(size, kChunk, &pool);
  ASSERT_NE(upload, nullptr);
  std::vector<uint8_t> data = Random(16 * kChunk, 22);
  // The staged batch's folder is replaced by a file: no chunk file can be created in it.
  const fs::path staged = root() / "store/staged/u1";
  fs::remove_all(staged);
  std::ofstream(staged) << "in the way";
  Status s = upload->WritePages(0, data);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("cannot create a chunk file: Not a directory"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(s.message().find("staged/u1"), std::string::npos) << "no path: " << s.ToString();
  fs::remove(staged);
}

TEST_F(UploadBlobTest, PartialWritesGoToTheBlobAndMoveAStoredChunkThereFirst) {
  const uint64_t size = 4 * kChunk + 512;
  auto upload = Open(size);
  ASSERT_NE(upload, nullptr);
  std::vector<uint8_t> expected(size, 0);
  auto write = [&](uint64_t offset, const std::vector<uint8_t>& bytes) {
    Write(*upload, offset, bytes, expected);
  };
  write(0, Random(kChunk, 2));                   // stored
  write(1024, Random(512, 3));                   // into the stored chunk: moves it to the blob
  write(kChunk + kChunk / 2, Random(kChunk, 4));  // two halves, both in the blob
  write(size - 512, Random(512, 5));             // the footer
  EXPECT_EQ(ReadAll(*upload), expected);
  auto source = upload->Source();
  EXPECT_FALSE(source->KnownDigest(0, kChunk).has_value());
  EXPECT_FALSE(source->IsHole(0, kChunk));
  EXPECT_TRUE(source->IsHole(3 * kChunk, kChunk));
  // A whole chunk again over part-written bytes: stored, and it wins over the blob's bytes.
  write(kChunk, Random(kChunk, 6));
  EXPECT_EQ(ReadAll(*upload), expected);
  EXPECT_EQ(source->KnownDigest(kChunk, kChunk),
            DigestOf(std::span(expected).subspan(kChunk, kChunk)));
  EXPECT_EQ(*upload->PageRanges(), (std::vector<PageRange>{{0, 2 * kChunk + kChunk / 2},
                                                            {size - 512, 512}}));
}

TEST_F(UploadBlobTest, ZeroChunksAreNotStoredAndClearedPagesReadAsZeros) {
  const uint64_t size = 4 * kChunk + 512;
  auto upload = Open(size);
  ASSERT_NE(upload, nullptr);
  ASSERT_TRUE(upload->WritePages(0, std::vector<uint8_t>(2 * kChunk, 0)).ok());
  EXPECT_EQ(StagedFiles(), 0u);
  // Written, so listed, as in Azure Storage, though nothing is stored.
  EXPECT_EQ(*upload->PageRanges(), (std::vector<PageRange>{{0, 2 * kChunk}}));
  std::vector<uint8_t> data = Random(2 * kChunk, 7);
  ASSERT_TRUE(upload->WritePages(0, data).ok());
  ASSERT_TRUE(upload->ClearPages(0, kChunk).ok());       // a whole stored chunk
  ASSERT_TRUE(upload->ClearPages(kChunk, 4096).ok());    // part of one
  std::vector<uint8_t> expected(size, 0);
  std::copy(data.begin() + kChunk + 4096, data.end(), expected.begin() + kChunk + 4096);
  EXPECT_EQ(ReadAll(*upload), expected);
  EXPECT_EQ(*upload->PageRanges(),
            (std::vector<PageRange>{{kChunk + 4096, kChunk - 4096}}));
  // Zeros over a stored chunk make it read as zeros too.
  ASSERT_TRUE(upload->WritePages(0, data).ok());
  ASSERT_TRUE(upload->WritePages(0, std::vector<uint8_t>(kChunk, 0)).ok());
  std::copy(data.begin() + kChunk, data.end(), expected.begin() + kChunk);
  EXPECT_EQ(ReadAll(*upload), expected);
}

TEST_F(UploadBlobTest, RangesOutsideTheBlobAndBadChunkSizesAreRefused) {
  EXPECT_EQ(UploadBlob::Open(uploads(), "u1", kChunk + 512, *store_, 1000).status().code(),
            StatusCode::kInvalidArgument);
  auto upload = Open(kChunk + 512);
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->WritePages(kChunk, std::vector<uint8_t>(1024, 1)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(upload->ClearPages(kChunk + 512, 512).code(), StatusCode::kInvalidArgument);
  std::vector<uint8_t> out(1024);
  EXPECT_EQ(upload->ReadPages(kChunk, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(UploadBlob::Open(uploads(), "u2", 2 * kChunk + 512, *store_, kChunk).ok(), true);
}

TEST_F(UploadBlobTest, WritesAndClearsPastThePageRangeBoundAreRefusedAndChangeNothing) {
  const uint64_t size = 4 * kChunk + 512;
  auto opened = UploadBlob::Open(uploads(), "u1", size, *store_, kChunk, nullptr, 2);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  UploadBlob& upload = **opened;
  std::vector<uint8_t> expected(size, 0);
  const std::vector<uint8_t> chunk = Random(kChunk, 3);
  Write(upload, 0, chunk, expected);                                  // a staged chunk
  Write(upload, 4 * kChunk, std::vector<uint8_t>(512, 9), expected);  // the footer page
  const size_t staged = StagedFiles();
  const std::vector<PageRange> two = {{0, kChunk}, {4 * kChunk, 512}};
  // A third range: a whole chunk, a partial write, a clear splitting the first range.
  for (Status refused : {upload.WritePages(2 * kChunk, Random(kChunk, 4)),
                         upload.WritePages(2 * kChunk + 512, std::vector<uint8_t>(512, 5)),
                         upload.ClearPages(4096, 4096)}) {
    EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
    EXPECT_EQ(refused.reason(), kTooManyPageRangesReason);
    EXPECT_NE(refused.message().find("at most 2 here, so nothing was changed"), std::string::npos)
        << refused.message();
  }
  EXPECT_EQ(ReadAll(upload), expected);
  EXPECT_EQ(*upload.PageRanges(), two);
  EXPECT_EQ(StagedFiles(), staged);
  // Writes that join the ranges go on; then the freed range takes a new one.
  const std::vector<uint8_t> more = Random(3 * kChunk, 5);
  Write(upload, kChunk, more, expected);
  EXPECT_EQ(*upload.PageRanges(), (std::vector<PageRange>{{0, size}}));
  ASSERT_TRUE(upload.ClearPages(kChunk, kChunk).ok());
  std::fill_n(expected.begin() + kChunk, kChunk, 0);
  EXPECT_EQ(ReadAll(upload), expected);
}

TEST_F(UploadBlobTest, AReopenedUploadKeepsItsBytesAndForgetsChunksThatDidNotSurvive) {
  const uint64_t size = 4 * kChunk + 512;
  std::vector<uint8_t> data = Random(3 * kChunk, 8);
  {
    auto upload = Open(size);
    ASSERT_NE(upload, nullptr);
    ASSERT_TRUE(upload->WritePages(0, data).ok());
  }
  // Reopened with another configured chunk size: the upload keeps its own.
  auto upload = Open(size, 2 * kChunk);
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->chunk_size(), kChunk);
  std::vector<uint8_t> expected(size, 0);
  std::copy(data.begin(), data.end(), expected.begin());
  EXPECT_EQ(ReadAll(*upload), expected);
  upload.reset();
  // A power loss cut the second chunk's staged file short; a restart drops it.
  const fs::path staged = root() / "store/staged/u1" /
                          ToHex(DigestOf(std::span(data).subspan(kChunk, kChunk)));
  fs::resize_file(staged, 100);
  OpenStore();
  upload = Open(size);
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->lost_chunks(), 1u);
  std::fill(expected.begin() + kChunk, expected.begin() + 2 * kChunk, 0);
  EXPECT_EQ(ReadAll(*upload), expected);
  EXPECT_EQ(*upload->PageRanges(),
            (std::vector<PageRange>{{0, kChunk}, {2 * kChunk, kChunk}}));
}

TEST_F(UploadBlobTest, ChunksASealCommittedBeforeARestartAreReadFromTheStore) {
  const uint64_t size = 4 * kChunk + 512;
  std::vector<uint8_t> data = Random(2 * kChunk, 10);
  {
    auto upload = Open(size);
    ASSERT_NE(upload, nullptr);
    ASSERT_TRUE(upload->WritePages(0, data).ok());
    ASSERT_TRUE(upload->CommitChunks().ok());
  }  // the seal stops here: a crash before its manifest was recorded
  OpenStore();
  auto upload = Open(size);
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->lost_chunks(), 0u);
  std::vector<uint8_t> expected(size, 0);
  std::copy(data.begin(), data.end(), expected.begin());
  EXPECT_EQ(ReadAll(*upload), expected);
  EXPECT_EQ(*upload->PageRanges(), (std::vector<PageRange>{{0, 2 * kChunk}}));
  // A partial write into such a chunk moves it from the store into the blob.
  ASSERT_TRUE(upload->WritePages(512, std::vector<uint8_t>(512, 9)).ok());
  std::fill(expected.begin() + 512, expected.begin() + 1024, 9);
  EXPECT_EQ(ReadAll(*upload), expected);
}

TEST_F(UploadBlobTest, ADamagedChunkMapIsDataLoss) {
  const uint64_t size = 2 * kChunk + 512;
  {
    auto upload = Open(size);
    ASSERT_NE(upload, nullptr);
  }
  const std::string slots = (uploads() / "u1.slots").string();
  const std::vector<uint8_t> good = ReadBytes(slots);
  auto reopen = [&] { return UploadBlob::Open(uploads(), "u1", size, *store_, kChunk).status(); };
  // Not a chunk map at all.
  testing::WriteBytes(slots, std::vector<uint8_t>(96, 0xee));
  EXPECT_EQ(reopen().code(), StatusCode::kDataLoss);
  EXPECT_EQ(reopen().message(), "the chunk map of the upload of upload 'u1' is damaged");
  // A map of another length than its blob's chunks need.
  std::vector<uint8_t> longer = good;
  longer.resize(good.size() + 32, 0);
  testing::WriteBytes(slots, longer);
  EXPECT_EQ(reopen().code(), StatusCode::kDataLoss);
  // A recorded chunk size that is not a power of two.
  std::vector<uint8_t> odd = good;
  odd[8] = 1;
  testing::WriteBytes(slots, odd);
  EXPECT_EQ(reopen().code(), StatusCode::kDataLoss);
  testing::WriteBytes(slots, good);
  EXPECT_TRUE(reopen().ok());
}

// An upload's I/O errors name what is uploaded, the file that failed in words, and the OS
// error, never a path: they reach clients (a failed seal's operation error, a disk PUT's error).
TEST_F(UploadBlobTest, IoErrorsNameTheUploadAndTheOsErrorButNoPath) {
  const uint64_t size = 2 * kChunk + 512;
  const std::string disk = "disk 'd1'";
  auto open = [&] {
    return UploadBlob::Open(uploads(), "u1", size, *store_, kChunk, nullptr, kMaxPageMapRanges,
                            disk)
        .status();
  };
  auto expect = [&](const Status& s, StatusCode code, const std::string& message) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message(), message);
    EXPECT_EQ(s.message().find(root().string()), std::string::npos) << s.message();
  };
  // The uploads folder is a file.
  std::ofstream(uploads()) << "not a folder";
  expect(open(), StatusCode::kUnavailable,
         "the upload blob of disk 'd1': cannot create its folder: Not a directory");
  fs::remove(uploads());
  // Each of the upload's files is a folder.
  for (const auto& [file, shown] : std::vector<std::pair<std::string, std::string>>{
           {"u1.blob", "the upload blob of disk 'd1': cannot open its file: Is a directory"},
           {"u1.slots",
            "the chunk map of the upload of disk 'd1': cannot open its file: Is a directory"},
           {"u1.pages", "the page list of the upload of disk 'd1': cannot open: Is a directory"}}) {
    fs::remove_all(uploads());
    fs::create_directories(uploads() / file / "x");
    expect(open(), StatusCode::kUnavailable, shown);
    // Removing what the upload left cannot remove a folder either.
    const std::string what = shown.substr(0, shown.find(':'));
    expect(UploadBlob::RemoveLeftovers(uploads(), "u1", *store_, disk), StatusCode::kUnavailable,
           what + ": cannot remove: Is a directory");
  }
}

TEST_F(UploadBlobTest, AFixedVhdUploadedInRandomOrderIsValidatedAndIngestedWithoutRereadingChunks) {
  const std::vector<uint8_t> vhd = ReadBytes(images().fixed);
  auto upload = Open(vhd.size(), kDefaultChunkSize);
  ASSERT_NE(upload, nullptr);
  // 4 MiB writes, zeros skipped, in a shuffled order, the footer among them.
  std::vector<uint64_t> offsets;
  for (uint64_t at = 0; at < vhd.size(); at += 4 << 20) offsets.push_back(at);
  std::shuffle(offsets.begin(), offsets.end(), std::mt19937(9));
  for (uint64_t at : offsets) {
    const uint64_t n = std::min<uint64_t>(4 << 20, vhd.size() - at);
    std::span<const uint8_t> piece(vhd.data() + at, n);
    if (!IsAllZero(piece)) {
      ASSERT_TRUE(upload->WritePages(at, piece).ok());
    }
  }
  DiskImageInfo info;
  auto disk = OpenDiskImage(upload->Source(), upload->size(), DeclaredFormat::kVhd, &info);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  EXPECT_EQ(info.format, ImageFormat::kVhdFixed);
  EXPECT_TRUE((*disk)->KnownDigest(0, kDefaultChunkSize).has_value() ||
              (*disk)->KnownZero(0, kDefaultChunkSize));
  ASSERT_TRUE(upload->CommitChunks().ok());
  const uint64_t before = store_->Usage()->chunks;
  auto manifest = Ingest(**disk, *store_, IngestOptions{});
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  EXPECT_EQ(store_->Usage()->chunks, before);  // every chunk was stored on arrival
  ManifestDisk back(*manifest, *store_);
  std::vector<uint8_t> bytes(back.size());
  ASSERT_TRUE(back.ReadAt(0, bytes).ok());
  EXPECT_EQ(bytes, images().raw_bytes);
  ASSERT_TRUE(upload->Remove().ok());
  EXPECT_FALSE(fs::exists(uploads() / "u1.blob"));
  EXPECT_FALSE(fs::exists(uploads() / "u1.slots"));
  EXPECT_FALSE(fs::exists(root() / "store/staged/u1"));
}

TEST_F(UploadBlobTest, ARefusedUploadLeavesNothingInTheStore) {
  std::vector<uint8_t> vhd = ReadBytes(images().fixed);
  vhd[vhd.size() - 512] ^= 0xff;  // a bad footer cookie
  auto upload = Open(vhd.size(), kDefaultChunkSize);
  ASSERT_NE(upload, nullptr);
  ASSERT_TRUE(upload->WritePages(0, vhd).ok());
  auto disk = OpenDiskImage(upload->Source(), upload->size(), DeclaredFormat::kVhd, nullptr);
  EXPECT_EQ(disk.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Usage()->chunks, 0u);
  upload.reset();
  ASSERT_TRUE(UploadBlob::RemoveLeftovers(uploads(), "u1", *store_).ok());
  EXPECT_EQ(store_->Usage()->chunks, 0u);
  EXPECT_FALSE(fs::exists(root() / "store/staged/u1"));
}

}  // namespace
}  // namespace gallery::storage
