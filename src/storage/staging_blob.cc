#include "storage/staging_blob.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "common/log.h"
#include "storage/io_error.h"
#include "storage/posix_io.h"

namespace gallery::storage {

namespace {

Status SyncDirectory(std::string_view blob, const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return BlobIoError(blob, "cannot open its folder", dir, errno);
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : BlobIoError(blob, "cannot flush its folder", dir, err);
}

// Opens `path` (mode 0600 when created); returns the descriptor and the file's size.
Result<std::pair<int, uint64_t>> OpenFile(std::string_view blob, const std::filesystem::path& path,
                                          int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) {
    return BlobIoError(blob, "cannot open its file", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return BlobIoError(blob, "cannot stat its file", path, err);
  }
  return std::make_pair(fd, static_cast<uint64_t>(st.st_size));
}

std::string ShownBlobName(std::string name, const std::filesystem::path& path) {
  return name.empty() ? "staging blob '" + path.filename().string() + "'" : std::move(name);
}

}  // namespace

Status BlobIoError(std::string_view blob, std::string_view what, const std::filesystem::path& path,
                   int err) {
  Status s = PathlessIoError(blob, what, path, err);
  return err == ENOENT ? Status::NotFound(s.message()) : s;
}

Result<std::unique_ptr<StagingBlob>> StagingBlob::Create(const std::filesystem::path& path,
                                                         uint64_t size, std::string name) {
  name = ShownBlobName(std::move(name), path);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return BlobIoError(name, "cannot create its folder", path.parent_path(), ec.value());
  }
  GALLERY_ASSIGN_OR_RETURN(auto opened, OpenFile(name, path, O_RDWR | O_CREAT));
  auto [fd, existing] = opened;
  auto blob = std::unique_ptr<StagingBlob>(new StagingBlob(path, std::move(name), fd, size));
  if (existing == size) {
    return blob;
  }
  if (existing != 0) {
    return Status::InvalidArgument(blob->name() + " has " + std::to_string(existing) +
                                   " bytes, not " + std::to_string(size));
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int err = errno;
    ::unlink(path.c_str());  // created by this call (it was empty): nothing is left behind
    return blob->IoError("cannot size its file", err);
  }
  GALLERY_RETURN_IF_ERROR(blob->Sync());
  GALLERY_RETURN_IF_ERROR(SyncDirectory(blob->name(), path.parent_path()));
  return blob;
}

Result<std::unique_ptr<StagingBlob>> StagingBlob::Open(const std::filesystem::path& path,
                                                       std::string name) {
  name = ShownBlobName(std::move(name), path);
  GALLERY_ASSIGN_OR_RETURN(auto opened, OpenFile(name, path, O_RDWR));
  return std::unique_ptr<StagingBlob>(
      new StagingBlob(path, std::move(name), opened.first, opened.second));
}

Status StagingBlob::IoError(std::string_view what, int err) const {
  return BlobIoError(name_, what, path_, err);
}

StagingBlob::~StagingBlob() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Status CheckPageRange(uint64_t offset, uint64_t length, uint64_t size) {
  if (offset > size || length > size - offset) {
    return Status::InvalidArgument("the range [" + std::to_string(offset) + ", " +
                                   std::to_string(offset + length) + ") leaves the blob of " +
                                   std::to_string(size) + " bytes");
  }
  return Status::Ok();
}

Status StagingBlob::CheckRange(uint64_t offset, uint64_t length) const {
  return CheckPageRange(offset, length, size_);
}

Status StagingBlob::WritePages(uint64_t offset, std::span<const uint8_t> bytes) {
  GALLERY_RETURN_IF_ERROR(CheckRange(offset, bytes.size()));
  if (pages_ != nullptr) {
    GALLERY_RETURN_IF_ERROR(pages_->CheckMark(offset, bytes.size()));  // before any byte changes
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return IoError("cannot write", errno);
    }
    done += static_cast<size_t>(n);
  }
  return pages_ != nullptr ? pages_->Mark(offset, bytes.size()) : Status::Ok();
}

Status StagingBlob::ClearPages(uint64_t offset, uint64_t length) {
  GALLERY_RETURN_IF_ERROR(CheckRange(offset, length));
  if (length == 0) {
    return Status::Ok();
  }
  if (pages_ != nullptr) {
    GALLERY_RETURN_IF_ERROR(pages_->CheckUnmark(offset, length));  // before any byte changes
  }
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(length)) != 0) {
    return IoError("cannot clear pages", errno);
  }
  return pages_ != nullptr ? pages_->Unmark(offset, length) : Status::Ok();
}

Status StagingBlob::ReadPages(uint64_t offset, std::span<uint8_t> out) const {
  GALLERY_RETURN_IF_ERROR(CheckRange(offset, out.size()));
  const ssize_t n = PreadFull(fd_, out, offset);
  if (n < 0) {
    return IoError("cannot read", errno);
  }
  if (static_cast<size_t>(n) < out.size()) {
    GLOG_WARN("{}: '{}' is shorter than expected", name_, path_.string());
    return Status::Unavailable(name_ + ": cannot read: its file is shorter than expected");
  }
  return Status::Ok();
}

Status StagingBlob::TrackPages(const std::filesystem::path& journal, size_t max_ranges) {
  std::error_code ec;
  std::filesystem::create_directories(journal.parent_path(), ec);
  if (ec) {
    return BlobIoError(name_, "cannot create the folder of its page list", journal.parent_path(),
                       ec.value());
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> stored, PageRanges());
  GALLERY_ASSIGN_OR_RETURN(
      pages_, PageMap::Open(journal, size_, stored, max_ranges, "the page list of " + name_));
  return Status::Ok();
}

Result<std::vector<PageRange>> StagingBlob::PageRanges() const {
  if (pages_ != nullptr) {
    return pages_->Ranges(0, size_);
  }
  std::vector<PageRange> out;
  off_t pos = 0;
  const off_t end = static_cast<off_t>(size_);
  while (pos < end) {
    const off_t data = ::lseek(fd_, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) {
        break;  // no data after pos
      }
      return IoError("cannot find its data", errno);
    }
    off_t hole = ::lseek(fd_, data, SEEK_HOLE);
    if (hole < 0) {
      return IoError("cannot find its data", errno);
    }
    hole = std::min(hole, end);
    if (data >= hole) {
      break;
    }
    if (!out.empty() && out.back().offset + out.back().length == static_cast<uint64_t>(data)) {
      out.back().length += static_cast<uint64_t>(hole - data);
    } else {
      out.push_back({static_cast<uint64_t>(data), static_cast<uint64_t>(hole - data)});
    }
    pos = hole;
  }
  return out;
}

bool StagingBlob::IsHole(uint64_t offset, uint64_t length) const {
  return CheckRange(offset, length).ok() && IsFileHole(fd_, offset, length);
}

Status StagingBlob::Sync() {
  if (::fsync(fd_) != 0) {
    return IoError("cannot flush", errno);
  }
  return Status::Ok();
}

Status StagingBlob::Remove() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return IoError("cannot remove", errno);
  }
  if (pages_ != nullptr) {
    GALLERY_RETURN_IF_ERROR(PageMap::Remove(pages_->path(), pages_->name()));
  }
  return SyncDirectory(name_, path_.parent_path());
}

}  // namespace gallery::storage
