#pragma once
// Test helpers for the image format tests: a temporary directory, qemu-img, files as bytes,
// raw disks with data and zero regions, and Azure-style upload blobs made from VHD files.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gallery::storage::testing {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
// The size of the disk QemuImagesTest makes.
inline constexpr uint64_t kTestDiskSize = 16 * kMiB;

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// True when `qemu-img --version` runs.
bool HaveQemuImg();
// The message for a missing qemu-img.
inline constexpr const char* kNeedQemuImg =
    "qemu-img is missing: install qemu-utils (scripts/install-deps.sh) to run the image format "
    "tests";

// Runs a shell command; returns its output (stdout and stderr) and sets `exit_code`.
std::string Run(const std::string& command, int* exit_code);
// Runs `qemu-img ARGS`; empty on success, else the command and its output.
std::string QemuImg(const std::string& args);

std::vector<uint8_t> ReadBytes(const std::string& path);
void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes);

// A raw disk of `size` bytes (a multiple of 1 MiB): pseudo-random data (from `seed`) in some
// regions (a whole 2 MiB block, a few KiB inside another, a run across a block boundary, the
// last sector) and zeros elsewhere, so dynamic VHDs of it have allocated and unallocated
// blocks.
std::vector<uint8_t> MakeRawDisk(uint64_t size, uint32_t seed);

// A raw disk (MakeRawDisk) and the fixed and dynamic VHDs qemu-img makes of it
// (`subformat=fixed|dynamic,force_size=on`), as files in a directory.
struct QemuImages {
  std::string raw;
  std::string fixed;
  std::string dynamic;
  std::vector<uint8_t> raw_bytes;
};
// Makes them in `dir`; returns an empty string on success, else what failed.
std::string MakeQemuImages(const TempDir& dir, uint64_t size, QemuImages* out);

// A fixture holding a 16 MiB raw disk and qemu-img's fixed and dynamic VHDs of it, made once per
// test suite; each test also gets its own empty `dir`.
class QemuImagesTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  // Fails the test when the images could not be made (qemu-img missing).
  void SetUp() override;
  static const QemuImages& images() { return *images_; }

  TempDir dir;

 private:
  static TempDir* images_dir_;
  static QemuImages* images_;
  static std::string* error_;
};

// Writes `bytes` into a new file of `length` bytes (length >= bytes.size() - 512 when
// `footer_at_end`) the way an upload client fills a page blob: the image's bytes at their own
// offsets and, when `footer_at_end`, its last 512 bytes (the footer) also at length - 512.
// `sparse`: pieces that are all zero are not written, leaving holes.
void WriteUploadBlob(const std::string& path, const std::vector<uint8_t>& image, uint64_t length,
                     bool sparse);

// The upload length of a dynamic VHD file of `file_size` bytes: rounded up to whole MiB, plus
// the 512-byte footer.
uint64_t DynamicUploadLength(uint64_t file_size);

// Big-endian field access and checksum repair on image bytes.
uint32_t GetBe32(const std::vector<uint8_t>& b, size_t at);
void PutBe32(std::vector<uint8_t>& b, size_t at, uint32_t v);
void PutBe64(std::vector<uint8_t>& b, size_t at, uint64_t v);
// Recomputes the footer checksum of the footer at `at`.
void FixFooterChecksum(std::vector<uint8_t>& b, size_t at);
// Recomputes the dynamic header checksum of the header at `at`.
void FixDynamicHeaderChecksum(std::vector<uint8_t>& b, size_t at);

}  // namespace gallery::storage::testing
