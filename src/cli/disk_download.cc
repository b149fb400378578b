#include "cli/disk_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/file_io.h"

namespace gallery::cli {

Result<TransferStats> DownloadToFile(const std::string& path, uint64_t length,
                                     const TransferOptions& options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return FileError(path, "create");
  }
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { ::close(*f); });
  // A failed download leaves no file: sized at once, a partial one would look complete.
  auto failed = [&path](Status s) {
    ::unlink(path.c_str());
    return s;
  };
  // Sized first: the pieces never written are holes reading as zeros.
  if (::ftruncate(fd, static_cast<off_t>(length)) != 0) {
    return failed(FileError(path, "resize"));
  }
  Result<TransferStats> stats =
      RunPieces(PlanPieces(length), options,
                [fd, &path](PageBlobClient& blob, const Piece& piece,
                            std::string& buffer) -> Result<uint64_t> {
                  buffer.resize(piece.length);
                  GALLERY_RETURN_IF_ERROR(blob.ReadRange(piece.offset, buffer));
                  if (IsAllZero(buffer)) {
                    return uint64_t{0};
                  }
                  GALLERY_RETURN_IF_ERROR(WriteExactly(fd, path, piece.offset, buffer));
                  return piece.length;
                });
  if (!stats.ok()) {
    return failed(stats.status());
  }
  if (::fsync(fd) != 0) {
    return failed(FileError(path, "flush"));
  }
  return stats;
}

}  // namespace gallery::cli
