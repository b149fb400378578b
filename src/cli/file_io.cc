#include "cli/file_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gallery::cli {

Status FileError(const std::string& path, std::string_view what) {
  int err = errno;
  std::string message = "cannot " + std::string(what) + " " + path + ": " + std::strerror(err);
  return err == ENOENT ? Status::NotFound(std::move(message))
                       : Status::Unavailable(std::move(message));
}

Status ReadExactly(int fd, const std::string& path, uint64_t offset, std::span<char> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return FileError(path, "read");
    }
    if (n == 0) {
      return Status::Unavailable(path + " ended early (did it change during the transfer?)");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteExactly(int fd, const std::string& path, uint64_t offset, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return FileError(path, "write");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace gallery::cli
