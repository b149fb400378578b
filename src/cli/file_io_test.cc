#include "cli/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli/disk_download.h"
#include "cli/disk_test_util.h"

namespace gallery::cli {
namespace {

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileIoTest, WritesAndReadsAtOffsets) {
  std::string path = (dir_ / "f").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteExactly(fd, path, 1000, "hello").ok());
  std::string out(5, '\0');
  ASSERT_TRUE(ReadExactly(fd, path, 1000, out).ok());
  EXPECT_EQ(out, "hello");
  // Reading past the end is an error naming the file, not short data.
  Status s = ReadExactly(fd, path, 1003, out);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find(path), std::string::npos);
  ::close(fd);
}

TEST_F(FileIoTest, ErrorsNameTheFileAndMapNotFound) {
  std::string path = (dir_ / "f").string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  Status s = WriteExactly(fd, path, 0, "x");  // read-only descriptor
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message().rfind("cannot write " + path + ": ", 0), 0u) << s.message();
  ::close(fd);
  errno = ENOENT;
  EXPECT_EQ(FileError("/x", "open").code(), StatusCode::kNotFound);
}

TEST_F(FileIoTest, DownloadIntoAMissingDirectoryIsNotFoundBeforeAnyRead) {
  int connects = 0;
  TransferOptions options;
  options.connect = [&connects]() -> Result<std::unique_ptr<PageBlobClient>> {
    ++connects;
    return Status::Internal("unexpected");
  };
  Result<TransferStats> r = DownloadToFile((dir_ / "no" / "out.raw").string(), 512, options);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(connects, 0);
}

TEST_F(FileIoTest, AFailedDownloadLeavesNoFile) {
  const std::filesystem::path out = dir_ / "out.raw";
  { std::ofstream(out) << "an older file"; }
  TransferOptions options;
  options.connect = []() -> Result<std::unique_ptr<PageBlobClient>> {
    return Status::Unavailable("the server went away");
  };
  Result<TransferStats> r = DownloadToFile(out.string(), 4 << 20, options);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace gallery::cli
