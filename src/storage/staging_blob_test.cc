#include "storage/staging_blob.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kMiB = 1 << 20;

class StagingBlobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("staging-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StagingBlobTest, CreatesASparseFileOfExactlyTheSizeWithMode0600) {
  auto blob = StagingBlob::Create(dir_ / "uploads" / "u.blob", 64 * kMiB + 512);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(fs::file_size(dir_ / "uploads" / "u.blob"), 64 * kMiB + 512);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "uploads" / "u.blob").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, kMiB);  // holes, not zeros
  auto ranges = (*blob)->PageRanges();
  ASSERT_TRUE(ranges.ok());
  EXPECT_TRUE(ranges->empty());
}

TEST_F(StagingBlobTest, WrittenRangesAreListedAndReadBack) {
  auto blob = std::move(StagingBlob::Create(dir_ / "u.blob", 8 * kMiB + 512)).value();
  std::vector<uint8_t> a(kMiB, 0xab);
  std::vector<uint8_t> b(kMiB, 0xcd);
  ASSERT_TRUE(blob->WritePages(4 * kMiB, b).ok());
  ASSERT_TRUE(blob->WritePages(0, a).ok());
  ASSERT_TRUE(blob->WritePages(kMiB, a).ok());  // adjacent: merged
  auto ranges = blob->PageRanges();
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ(*ranges, (std::vector<PageRange>{{0, 2 * kMiB}, {4 * kMiB, kMiB}}));
  std::vector<uint8_t> back(512);
  ASSERT_TRUE(blob->ReadPages(4 * kMiB + 512, back).ok());
  EXPECT_EQ(back, std::vector<uint8_t>(512, 0xcd));
  ASSERT_TRUE(blob->ReadPages(3 * kMiB, back).ok());
  EXPECT_EQ(back, std::vector<uint8_t>(512, 0));
  ASSERT_TRUE(blob->Sync().ok());
}

TEST_F(StagingBlobTest, ClearedPagesReadAsZerosAndLeaveTheList) {
  auto blob = std::move(StagingBlob::Create(dir_ / "u.blob", 4 * kMiB + 512)).value();
  ASSERT_TRUE(blob->WritePages(0, std::vector<uint8_t>(2 * kMiB, 1)).ok());
  ASSERT_TRUE(blob->ClearPages(kMiB, kMiB).ok());
  EXPECT_EQ(*blob->PageRanges(), (std::vector<PageRange>{{0, kMiB}}));
  std::vector<uint8_t> back(512, 9);
  ASSERT_TRUE(blob->ReadPages(kMiB + 512, back).ok());
  EXPECT_EQ(back, std::vector<uint8_t>(512, 0));
  EXPECT_EQ(fs::file_size(dir_ / "u.blob"), 4 * kMiB + 512);  // size kept
}

TEST_F(StagingBlobTest, ATrackedBlobRefusesWritesPastItsPageRangeBoundAndChangesNothing) {
  auto blob = std::move(StagingBlob::Create(dir_ / "u.blob", 4 * kMiB + 512)).value();
  ASSERT_TRUE(blob->TrackPages(dir_ / "u.pages", 1).ok());
  ASSERT_TRUE(blob->WritePages(0, std::vector<uint8_t>(kMiB, 1)).ok());
  Status refused = blob->WritePages(2 * kMiB, std::vector<uint8_t>(512, 2));
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.reason(), kTooManyPageRangesReason);
  EXPECT_EQ(blob->ClearPages(4096, 4096).reason(), kTooManyPageRangesReason);
  std::vector<uint8_t> back(512, 7);
  ASSERT_TRUE(blob->ReadPages(2 * kMiB, back).ok());
  EXPECT_EQ(back, std::vector<uint8_t>(512, 0));
  ASSERT_TRUE(blob->ReadPages(4096, back).ok());
  EXPECT_EQ(back, std::vector<uint8_t>(512, 1));
  EXPECT_EQ(*blob->PageRanges(), (std::vector<PageRange>{{0, kMiB}}));
  EXPECT_TRUE(blob->ClearPages(0, 4096).ok());  // an edge: still one range
  EXPECT_EQ(*blob->PageRanges(), (std::vector<PageRange>{{4096, kMiB - 4096}}));
}

TEST_F(StagingBlobTest, RangesOutsideTheBlobAreInvalidArgument) {
  auto blob = std::move(StagingBlob::Create(dir_ / "u.blob", kMiB)).value();
  EXPECT_EQ(blob->WritePages(kMiB - 256, std::vector<uint8_t>(512)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(blob->ClearPages(kMiB, 512).code(), StatusCode::kInvalidArgument);
  std::vector<uint8_t> out(512);
  EXPECT_EQ(blob->ReadPages(UINT64_MAX - 10, out).code(), StatusCode::kInvalidArgument);
}

TEST_F(StagingBlobTest, ReopeningKeepsWhatWasWrittenAndAnotherSizeIsRefused) {
  {
    auto blob = std::move(StagingBlob::Create(dir_ / "u.blob", 2 * kMiB)).value();
    ASSERT_TRUE(blob->WritePages(kMiB, std::vector<uint8_t>(kMiB, 7)).ok());
  }
  auto again = StagingBlob::Create(dir_ / "u.blob", 2 * kMiB);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->PageRanges(), (std::vector<PageRange>{{kMiB, kMiB}}));
  auto opened = StagingBlob::Open(dir_ / "u.blob");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ((*opened)->size(), 2 * kMiB);
  EXPECT_EQ(StagingBlob::Create(dir_ / "u.blob", 3 * kMiB).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE((*opened)->Remove().ok());
  EXPECT_FALSE(fs::exists(dir_ / "u.blob"));
  EXPECT_TRUE((*opened)->Remove().ok());  // already gone
  EXPECT_EQ(StagingBlob::Open(dir_ / "u.blob").status().code(), StatusCode::kNotFound);
}

// Errors name the blob by the name it was given and say what failed with the OS error, never
// its path: they reach clients (a disk's failed seal). Here a folder stands where a file should
// be, or a file where a folder should (failures even for root).
TEST_F(StagingBlobTest, IoErrorsNameTheBlobAndTheOsErrorButNoPath) {
  const std::string name = "the upload blob of disk 'd1'";
  auto expect = [&](const Status& s, StatusCode code, const std::string& message) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message(), message);
    EXPECT_EQ(s.message().find(dir_.string()), std::string::npos) << s.message();
  };
  fs::create_directories(dir_);
  std::ofstream(dir_ / "in-the-way") << "not a folder";
  expect(StagingBlob::Create(dir_ / "in-the-way" / "uploads" / "u.blob", kMiB, name).status(),
         StatusCode::kUnavailable, name + ": cannot create its folder: Not a directory");
  fs::create_directories(dir_ / "u.blob");
  expect(StagingBlob::Create(dir_ / "u.blob", kMiB, name).status(), StatusCode::kUnavailable,
         name + ": cannot open its file: Is a directory");
  expect(StagingBlob::Open(dir_ / "missing.blob", name).status(), StatusCode::kNotFound,
         name + ": cannot open its file: No such file or directory");
  // Unnamed, a blob is named by its file's name alone.
  expect(StagingBlob::Open(dir_ / "missing.blob").status(), StatusCode::kNotFound,
         "staging blob 'missing.blob': cannot open its file: No such file or directory");
  fs::remove_all(dir_ / "u.blob");

  auto blob = std::move(StagingBlob::Create(dir_ / "u.blob", kMiB, name)).value();
  expect(StagingBlob::Create(dir_ / "u.blob", 2 * kMiB, name).status(),
         StatusCode::kInvalidArgument,
         name + " has " + std::to_string(kMiB) + " bytes, not " + std::to_string(2 * kMiB));
  expect(blob->TrackPages(dir_ / "in-the-way" / "u.pages"), StatusCode::kUnavailable,
         name + ": cannot create the folder of its page list: Not a directory");
  fs::create_directories(dir_ / "pages");
  fs::create_directories(dir_ / "pages" / "u.pages");
  expect(blob->TrackPages(dir_ / "pages" / "u.pages"), StatusCode::kUnavailable,
         "the page list of " + name + ": cannot open: Is a directory");
  // A new page list is written whole first (WriteFileAtomic), through a temporary file.
  fs::create_directories(dir_ / "pages" / ("v.pages.tmp-" + std::to_string(::getpid())));
  expect(blob->TrackPages(dir_ / "pages" / "v.pages"), StatusCode::kUnavailable,
         "the page list of " + name + ": cannot create its temporary file: Is a directory");
  // The file is gone and a non-empty folder took its name: it cannot be removed.
  fs::remove(dir_ / "u.blob");
  fs::create_directories(dir_ / "u.blob" / "x");
  expect(blob->Remove(), StatusCode::kUnavailable, name + ": cannot remove: Is a directory");
}

}  // namespace
}  // namespace gallery::storage
