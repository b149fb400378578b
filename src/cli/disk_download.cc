#include "cli/disk_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gallery::cli {

namespace {

Status FileError(const std::string& path, std::string_view what) {
  int err = errno;
  std::string message = "cannot " + std::string(what) + " " + path + ": " + std::strerror(err);
  return err == ENOENT ? Status::NotFound(std::move(message))
                       : Status::Unavailable(std::move(message));
}

Status WriteExactly(int fd, const std::string& path, uint64_t offset, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(offset + done));
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

}  // namespace

Result<TransferStats> DownloadToFile(const std::string& path, uint64_t length,
                                     const TransferOptions& options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return FileError(path, "create");
  }
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { ::close(*f); });
  // Sized first: the pieces never written are holes reading as zeros.
  if (::ftruncate(fd, static_cast<off_t>(length)) != 0) {
    return FileError(path, "resize");
  }
  GALLERY_ASSIGN_OR_RETURN(
      TransferStats stats,
      RunPieces(PlanPieces(length), options,
                [fd, &path](PageBlobClient& blob, const Piece& piece,
                            std::string& buffer) -> Result<bool> {
                  buffer.resize(piece.length);
                  GALLERY_RETURN_IF_ERROR(blob.ReadRange(piece.offset, buffer));
                  if (IsAllZero(buffer)) {
                    return false;
                  }
                  GALLERY_RETURN_IF_ERROR(WriteExactly(fd, path, piece.offset, buffer));
                  return true;
                }));
  if (::fsync(fd) != 0) {
    return FileError(path, "flush");
  }
  return stats;
}

}  // namespace gallery::cli
