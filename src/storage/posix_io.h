#pragma once
// POSIX file helpers shared by the storage layer's file-backed pieces (the chunk store, the
// staging blobs, the image reader). Each caller words its own errors; these only do the I/O.

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "storage/data_extent.h"

namespace gallery::storage {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) {
        ::close(fd_);
      }
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads out.size() bytes at `offset`, retrying short reads and EINTR. Returns the bytes read,
// fewer than out.size() only where the file ends; -1 with errno set when a read fails.
inline ssize_t PreadFull(int fd, std::span<uint8_t> out, uint64_t offset) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    if (n == 0) {
      break;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

// Writes all of `bytes` at `offset` (pwrite), or all of them at the end of a file opened with
// O_APPEND when `offset` is kAppend; retries short writes and EINTR. Returns 0, or the errno
// value of the failed write (EIO when the file system accepts nothing).
inline constexpr uint64_t kAppend = ~uint64_t{0};
inline int WriteFull(int fd, std::span<const uint8_t> bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = offset == kAppend ? ::write(fd, bytes.data() + done, bytes.size() - done)
                                        : ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                                                   static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (n == 0) {
      return EIO;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

// True when [offset, offset + length) of the file holds no data (SEEK_DATA finds none before
// its end): a hole that reads as zeros. False when there is data or the file system cannot say.
inline bool IsFileHole(int fd, uint64_t offset, uint64_t length) {
  const off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
  if (data < 0) {
    return errno == ENXIO;  // no data at or after `offset`
  }
  return static_cast<uint64_t>(data) >= offset + length;
}

// The extents of [offset, offset + length) of the file that hold data (SEEK_DATA and
// SEEK_HOLE), clipped to the range; the rest is holes. Past the file's end is a hole, as for
// IsFileHole. The whole range from where the file system cannot say (an error).
inline std::vector<DataExtent> FileDataExtents(int fd, uint64_t offset, uint64_t length) {
  std::vector<DataExtent> extents;
  const uint64_t end = offset + length;
  uint64_t pos = offset;
  while (pos < end) {
    const off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0) {
      if (errno != ENXIO) {  // ENXIO: no data at or after pos
        AppendExtent(extents, pos, end - pos);
      }
      break;
    }
    if (static_cast<uint64_t>(data) >= end) {
      break;
    }
    const off_t hole = ::lseek(fd, data, SEEK_HOLE);
    // A hole at or before the data cannot be (an error then): the rest counts as data.
    const uint64_t data_end =
        hole <= data ? end : std::min<uint64_t>(end, static_cast<uint64_t>(hole));
    AppendExtent(extents, static_cast<uint64_t>(data), data_end - static_cast<uint64_t>(data));
    pos = data_end;
  }
  return extents;
}

}  // namespace gallery::storage
