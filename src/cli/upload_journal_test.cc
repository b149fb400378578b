// UploadJournal: which file an upload started with, and when a file is not that one.

#include "cli/upload_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cli/disk_test_util.h"
#include "common/resource_id.h"

namespace gallery::cli {
namespace {

using ::testing::HasSubstr;

constexpr const char* kEndpoint = "https://127.0.0.1:8443/";
constexpr const char* kDiskId =
    "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/disks/d1";

class UploadJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    file_ = (dir_ / "disk.vhd").string();
    // 3 MiB: the head and tail digests cover different bytes.
    WriteSparseFile(file_, 0, {{0, Pattern(3 << 20, 1)}});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FileIdentity Identify(const std::string& path) {
    Result<FileIdentity> f = IdentifyFile(path, "vhd");
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : FileIdentity{};
  }

  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(UploadJournalTest, IdentityHoldsAbsolutePathSizeAndDigestsOfBothEnds) {
  FileIdentity f = Identify(file_);
  EXPECT_EQ(f.path, file_);
  EXPECT_EQ(f.size, 3u << 20);
  EXPECT_EQ(f.head_sha256.size(), 64u);
  EXPECT_NE(f.head_sha256, f.tail_sha256);
  EXPECT_EQ(FileIdentity::FromJson(f.ToJson()).value(), f);
  EXPECT_EQ(IdentifyFile((dir_ / "nope").string(), "vhd").status().code(), StatusCode::kNotFound);
}

TEST_F(UploadJournalTest, TheSameFileMovedIsTheSameFile) {
  FileIdentity before = Identify(file_);
  std::string moved = (dir_ / "moved.vhd").string();
  std::filesystem::rename(file_, moved);
  EXPECT_EQ(FileDifference(before, Identify(moved)), std::nullopt);
}

TEST_F(UploadJournalTest, ACopyWithTheSameBytesIsAnotherFile) {
  FileIdentity before = Identify(file_);
  std::string copy = (dir_ / "copy.vhd").string();
  std::filesystem::copy_file(file_, copy);
  EXPECT_EQ(FileDifference(before, Identify(copy)),
            "it is another file (" + copy + ", the upload started from " + file_ + ")");
}

TEST_F(UploadJournalTest, AChangeInTheLastMiBOrOfTheTimeIsSeen) {
  FileIdentity before = Identify(file_);
  WriteSparseFile(file_, 3 << 20, {{0, Pattern(3 << 20, 1)}, {(3 << 20) - 1, "x"}});
  EXPECT_EQ(FileDifference(before, Identify(file_)),
            "its content changed since the upload started");

  before = Identify(file_);
  struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, file_.c_str(), times, 0), 0);
  EXPECT_EQ(FileDifference(before, Identify(file_)), "it was modified since the upload started");

  FileIdentity raw = Identify(file_);
  raw.format = "raw";
  EXPECT_EQ(FileDifference(raw, Identify(file_)), "its --format (vhd, was raw)");
}

TEST_F(UploadJournalTest, RecordFindCheckAndRemove) {
  UploadJournal journal(dir_ / "config");
  FileIdentity f = Identify(file_);
  EXPECT_EQ(journal.Find(kEndpoint, kDiskId).value(), std::nullopt);
  Status none = journal.CheckResume(kEndpoint, kDiskId, f, "Start over.");
  EXPECT_EQ(none.reason(), "UploadNotResumable");
  EXPECT_THAT(none.message(), HasSubstr("No upload to '" + std::string(kDiskId) +
                                        "' was started from this machine"));
  EXPECT_THAT(none.message(), HasSubstr("Start over."));

  ASSERT_TRUE(journal.Record(kEndpoint, kDiskId, f).ok());
  EXPECT_EQ(journal.Find(kEndpoint, kDiskId).value(), f);
  EXPECT_TRUE(journal.CheckResume(kEndpoint, kDiskId, f, "").ok());
  // Resource ids are compared as ARM does, without case; another server is another upload.
  EXPECT_TRUE(journal.CheckResume(kEndpoint, ToLower(kDiskId), f, "").ok());
  EXPECT_EQ(journal.Find("https://other:8443/", kDiskId).value(), std::nullopt);

  FileIdentity other = f;
  other.size += 1;
  Status mismatch = journal.CheckResume(kEndpoint, kDiskId, other, "Start over.");
  EXPECT_EQ(mismatch.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(mismatch.reason(), "UploadFileMismatch");
  EXPECT_EQ(mismatch.message(), "--resume continues the upload of " + file_ + ", but " + file_ +
                                    " is not that file: its size (3145729 bytes, was 3145728 "
                                    "bytes). Start over.");

  ASSERT_TRUE(journal.Remove(kEndpoint, kDiskId).ok());
  EXPECT_EQ(journal.Find(kEndpoint, kDiskId).value(), std::nullopt);
  EXPECT_TRUE(journal.Remove(kEndpoint, kDiskId).ok());
}

TEST_F(UploadJournalTest, ADamagedJournalIsDataLossSayingWhatToDo) {
  UploadJournal journal(dir_ / "config");
  ASSERT_TRUE(journal.Record(kEndpoint, kDiskId, Identify(file_)).ok());
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "config" / "uploads")) {
    WriteSparseFile(entry.path().string(), 0, {{0, "{\"file\":{}}"}});
  }
  Result<std::optional<FileIdentity>> found = journal.Find(kEndpoint, kDiskId);
  EXPECT_EQ(found.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(found.status().message(), HasSubstr("delete it and start the upload over"));
}

}  // namespace
}  // namespace gallery::cli
