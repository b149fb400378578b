#pragma once
// ImageSource: the stored bytes of an uploaded image as the image reader (disk_image.h) sees
// them, whatever keeps them: a file, or an upload whose whole chunks went into a chunk store as
// they arrived (upload_blob.h).
//
//   GALLERY_ASSIGN_OR_RETURN(auto source, OpenImageFile("/data/uploads/x.blob", length));
//   GALLERY_ASSIGN_OR_RETURN(auto disk, OpenDiskImage(std::move(source), length, kVhd, &info));
//
// Thread-safe: every method may be called concurrently.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/chunk_digest.h"
#include "storage/data_extent.h"

namespace gallery::storage {

class ImageSource {
 public:
  virtual ~ImageSource() = default;

  // Fills `out` with the bytes at `offset` (never-written ranges read as zeros). Unavailable on
  // I/O errors and when the range leaves the source; DataLoss when stored bytes fail their
  // verification.
  virtual Status ReadAt(uint64_t offset, std::span<uint8_t> out) const = 0;

  // True when [offset, offset + length) is known to read as zeros without reading it. False
  // when unknown.
  virtual bool IsHole(uint64_t offset, uint64_t length) const = 0;

  // The parts of [offset, offset + length) that may hold data (data_extent.h): everything else
  // is known to read as zeros, found without reading. Never leaves out a byte that may be
  // non-zero. Default: the whole range, or nothing when IsHole says so.
  virtual std::vector<DataExtent> DataExtents(uint64_t offset, uint64_t length) const {
    if (IsHole(offset, length)) {
      return {};
    }
    std::vector<DataExtent> extents;
    AppendExtent(extents, offset, length);
    return extents;
  }

  // The SHA-256 of the content of [offset, offset + length) when the source knows it without
  // reading (a whole chunk hashed as it was uploaded); nullopt when unknown.
  virtual std::optional<ChunkDigest> KnownDigest(uint64_t offset, uint64_t length) const {
    (void)offset;
    (void)length;
    return std::nullopt;
  }
};

// The first `length` bytes of the file at `path`, read with pread; holes are found with
// SEEK_DATA and SEEK_HOLE. NotFound when the file does not exist; Unavailable on other I/O errors
// and when the file is shorter than `length`.
Result<std::unique_ptr<ImageSource>> OpenImageFile(const std::string& path, uint64_t length);

}  // namespace gallery::storage
