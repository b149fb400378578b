#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/image_source.h"
#include "storage/posix_io.h"

namespace gallery::storage {

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// Thread-safe: pread does not move the file offset, and lseek(SEEK_DATA, SEEK_HOLE) returns
// its answer rather than relying on the shared offset.
class ImageFile final : public ImageSource {
 public:
  ImageFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    const ssize_t n = PreadFull(fd_.get(), out, offset);
    if (n < 0) {
      return Status::Unavailable("Cannot read " + path_ + " at offset " + Num(offset) + ": " +
                                 std::strerror(errno));
    }
    if (static_cast<size_t>(n) < out.size()) {
      return Status::Unavailable("Cannot read " + path_ + " at offset " +
                                 Num(offset + static_cast<uint64_t>(n)) + ": the file ends there");
    }
    return Status::Ok();
  }

  bool IsHole(uint64_t offset, uint64_t length) const override {
    return IsFileHole(fd_.get(), offset, length);
  }

  std::vector<DataExtent> DataExtents(uint64_t offset, uint64_t length) const override {
    return FileDataExtents(fd_.get(), offset, length);
  }

 private:
  Fd fd_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> OpenImageFile(const std::string& path, uint64_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    if (errno == ENOENT) {
      return Status::NotFound("Disk image " + path + " does not exist");
    }
    return Status::Unavailable("Cannot open disk image " + path + ": " + why);
  }
  auto file = std::make_unique<ImageFile>(fd, path);
  // Ingest reads the image front to back: ask for a larger read-ahead (advice only).
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Status::Unavailable("Cannot stat disk image " + path + ": " + std::strerror(errno));
  }
  if (static_cast<uint64_t>(st.st_size) < length) {
    return Status::Unavailable("Disk image " + path + " is " + Num(st.st_size) +
                               " bytes, shorter than the " + Num(length) + " bytes expected");
  }
  return std::unique_ptr<ImageSource>(std::move(file));
}

}  // namespace gallery::storage
