#pragma once
// PageBlob: a blob written the way Azure page blobs are (512-byte pages, in any order, cleared
// back to zeros), as the page-blob protocol (api/page_blob_protocol.h) serves it.
// Implementations: StagingBlob (a sparse file), UploadBlob (a disk upload whose whole chunks go
// into a chunk store as they arrive).
//
// Never-written pages read as zeros. Errors: InvalidArgument when a range leaves [0, size());
// Unavailable on I/O errors; ResourceExhausted when the disk is full, or with reason
// kTooManyPageRangesReason (page_map.h) when a blob keeping a page list refuses a write or clear
// that would split it into too many ranges (nothing changed). Thread-safe: writes to
// different ranges may run concurrently.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::storage {

// [offset, offset + length) of a blob.
struct PageRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const PageRange&) const = default;
};

// OK when [offset, offset + length) lies inside a blob of `size` bytes, else InvalidArgument
// naming the range: the check every PageBlob makes of the ranges it is given.
Status CheckPageRange(uint64_t offset, uint64_t length, uint64_t size);

// How the I/O errors of a blob's files read: "{blob}: {what}: {OS error}" (ResourceExhausted for
// a full disk or quota, NotFound for ENOENT, else Unavailable). The message names the blob and
// never a path: it reaches clients (a failed seal's operation error, a disk PUT's error). The
// path of the file that failed goes to the server's log.
Status BlobIoError(std::string_view blob, std::string_view what, const std::filesystem::path& path,
                   int err);

class PageBlob {
 public:
  virtual ~PageBlob() = default;

  virtual uint64_t size() const = 0;
  // Writes `bytes` at `offset`.
  virtual Status WritePages(uint64_t offset, std::span<const uint8_t> bytes) = 0;
  // Makes [offset, offset + length) read as zeros.
  virtual Status ClearPages(uint64_t offset, uint64_t length) = 0;
  // Reads `out.size()` bytes at `offset`.
  virtual Status ReadPages(uint64_t offset, std::span<uint8_t> out) const = 0;
  // The ranges that may hold data, in order, merged, inside [0, size()); everything outside
  // them reads as zeros.
  virtual Result<std::vector<PageRange>> PageRanges() const = 0;
};

}  // namespace gallery::storage
