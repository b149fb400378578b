#pragma once
// Helpers for tests of disk transfers (tests only): VHD footers, patterned bytes, sparse files.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "client/http_transport.h"
#include "storage/vhd_format.h"

namespace gallery::cli {

inline constexpr const char* kTestSas =
    "https://127.0.0.1:8443/disks/u1?sv=2018-03-28&sr=b&si=g1&sp=w&se=2030-01-01T00%3A00%3A00Z"
    "&sig=abc";

inline std::string FooterString(const storage::VhdFooter& footer) {
  std::array<uint8_t, storage::kVhdFooterSize> bytes = storage::SerializeVhdFooter(footer);
  return std::string(bytes.begin(), bytes.end());
}

// The footer of a fixed VHD of `size` bytes.
inline std::string FixedFooter(uint64_t size) {
  return FooterString(storage::FixedFooterFor(size, std::nullopt, 0, storage::VhdUniqueId{9}));
}

// A dynamic VHD footer (dynamic header at 512) of `size` bytes.
inline std::string DynamicFooter(uint64_t size) {
  storage::VhdFooter footer = storage::FixedFooterFor(size, std::nullopt, 0, {7});
  footer.disk_type = static_cast<uint32_t>(storage::VhdDiskType::kDynamic);
  footer.data_offset = storage::kVhdFooterSize;
  return FooterString(footer);
}

// `n` non-zero bytes that depend on `seed` and the position.
inline std::string Pattern(size_t n, int seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<char>(1 + (i * 31 + static_cast<size_t>(seed) * 7 + i / 4096) % 251);
  }
  return out;
}

inline std::filesystem::path MakeTempDir() {
  char tmpl[] = "/tmp/gallery-disk-test-XXXXXX";
  EXPECT_NE(::mkdtemp(tmpl), nullptr);
  return tmpl;
}

// Creates `path` of `size` bytes (holes) and writes each (offset, bytes); the file grows to
// cover the writes.
inline void WriteSparseFile(const std::string& path, uint64_t size,
                            const std::vector<std::pair<uint64_t, std::string>>& writes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  for (const auto& [offset, bytes] : writes) {
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)),
              static_cast<ssize_t>(bytes.size()));
  }
  ::close(fd);
}

// True when files in `dir` keep holes that SEEK_DATA reports (tmpfs, ext4, xfs do).
inline bool FileSystemHasHoles(const std::filesystem::path& dir) {
  std::string path = (dir / "hole-probe").string();
  WriteSparseFile(path, 8 << 20, {{(8 << 20) - 1, std::string(1, 'x')}});
  int fd = ::open(path.c_str(), O_RDONLY);
  off_t data = ::lseek(fd, 0, SEEK_DATA);
  ::close(fd);
  std::filesystem::remove(path);
  return data > 0;
}

// Answers every page write with 201 and records its x-ms-range (one worker per instance).
class RecordingTransport final : public HttpTransport {
 public:
  Result<HttpResult> Send(const HttpCall& call) override {
    ranges.push_back(FindHeader(call.headers, "x-ms-range").value_or(""));
    return HttpResult{201, {}, ""};
  }
  std::vector<std::string> ranges;
};

}  // namespace gallery::cli
