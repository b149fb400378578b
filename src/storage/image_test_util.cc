#include "storage/image_test_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "storage/chunk_digest.h"
#include "storage/vhd_format.h"

namespace gallery::storage::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "gallery_image_test_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string Run(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return "popen failed";
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
    output.append(buf, n);
  }
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

bool HaveQemuImg() {
  int code = 0;
  Run("qemu-img --version", &code);
  return code == 0;
}

std::string QemuImg(const std::string& args) {
  int code = 0;
  const std::string command = "qemu-img " + args;
  std::string output = Run(command, &code);
  return code == 0 ? "" : command + " failed (" + std::to_string(code) + "): " + output;
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> MakeRawDisk(uint64_t size, uint32_t seed) {
  std::vector<uint8_t> disk(size, 0);
  std::mt19937 rng(seed);
  auto fill = [&](uint64_t begin, uint64_t end) {
    for (uint64_t i = begin; i < end && i < size; ++i) {
      disk[i] = static_cast<uint8_t>(rng());
    }
  };
  fill(0, 2 * kMiB);                                   // a whole 2 MiB block
  fill(4 * kMiB + 100 * 1024, 4 * kMiB + 104 * 1024);  // a few KiB inside a block
  fill(7 * kMiB + kMiB / 2, 8 * kMiB + kMiB / 2);      // across a block boundary
  fill(size - 512, size);                              // the last sector
  return disk;
}

std::string MakeQemuImages(const TempDir& dir, uint64_t size, QemuImages* out) {
  if (!HaveQemuImg()) {
    return kNeedQemuImg;
  }
  out->raw = dir.File("disk.img");
  out->fixed = dir.File("fixed.vhd");
  out->dynamic = dir.File("dynamic.vhd");
  out->raw_bytes = MakeRawDisk(size, 7);
  WriteBytes(out->raw, out->raw_bytes);
  std::string error = QemuImg("convert -f raw -O vpc -o subformat=fixed,force_size=on " + out->raw +
                              " " + out->fixed);
  if (error.empty()) {
    error = QemuImg("convert -f raw -O vpc -o subformat=dynamic,force_size=on " + out->raw + " " +
                    out->dynamic);
  }
  return error;
}

TempDir* QemuImagesTest::images_dir_ = nullptr;
QemuImages* QemuImagesTest::images_ = nullptr;
std::string* QemuImagesTest::error_ = nullptr;

void QemuImagesTest::SetUpTestSuite() {
  images_dir_ = new TempDir();
  images_ = new QemuImages();
  error_ = new std::string(MakeQemuImages(*images_dir_, kTestDiskSize, images_));
}

void QemuImagesTest::TearDownTestSuite() {
  delete images_;
  delete images_dir_;
  delete error_;
  images_ = nullptr;
  images_dir_ = nullptr;
  error_ = nullptr;
}

void QemuImagesTest::SetUp() { ASSERT_TRUE(error_->empty()) << *error_; }

void WriteUploadBlob(const std::string& path, const std::vector<uint8_t>& image, uint64_t length,
                     bool sparse) {
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(length)) != 0) {
    throw std::runtime_error("cannot create " + path);
  }
  auto write_at = [&](uint64_t offset, const uint8_t* data, size_t n) {
    constexpr size_t kPiece = 64 * 1024;
    for (size_t done = 0; done < n; done += kPiece) {
      const size_t len = std::min(kPiece, n - done);
      if (sparse && IsAllZero({data + done, len})) {
        continue;
      }
      if (::pwrite(fd, data + done, len, static_cast<off_t>(offset + done)) !=
          static_cast<ssize_t>(len)) {
        throw std::runtime_error("cannot write " + path);
      }
    }
  };
  const size_t body = std::min<uint64_t>(image.size(), length);
  write_at(0, image.data(), body);
  if (image.size() >= kVhdFooterSize && length >= kVhdFooterSize) {
    write_at(length - kVhdFooterSize, image.data() + image.size() - kVhdFooterSize, kVhdFooterSize);
  }
  ::close(fd);
}

uint64_t DynamicUploadLength(uint64_t file_size) {
  return (file_size + kMiB - 1) / kMiB * kMiB + kVhdFooterSize;
}

uint32_t GetBe32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

void PutBe32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) {
    b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
}

void PutBe64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
  PutBe32(b, at, static_cast<uint32_t>(v >> 32));
  PutBe32(b, at + 4, static_cast<uint32_t>(v));
}

void FixFooterChecksum(std::vector<uint8_t>& b, size_t at) {
  PutBe32(b, at + kVhdFooterChecksumOffset,
          VhdChecksumOf({b.data() + at, kVhdFooterSize}, kVhdFooterChecksumOffset));
}

void FixDynamicHeaderChecksum(std::vector<uint8_t>& b, size_t at) {
  PutBe32(b, at + kVhdDynamicHeaderChecksumOffset,
          VhdChecksumOf({b.data() + at, kVhdDynamicHeaderSize}, kVhdDynamicHeaderChecksumOffset));
}

}  // namespace gallery::storage::testing
