#pragma once
// VirtualDisk: the guest-visible bytes of a disk, whatever holds them (a VHD file being
// ingested, a manifest of chunks being exported). The one shape ingest reads and export serves.
//
//   GALLERY_ASSIGN_OR_RETURN(auto disk, OpenDiskImage(path, length, DeclaredFormat::kVhd, &info));
//   std::vector<uint8_t> buf(1 << 20);
//   GALLERY_RETURN_IF_ERROR(disk->ReadAt(0, buf));
//
// Thread-safe: ReadAt may be called concurrently from several threads (ingest hashes chunks in
// parallel).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/status.h"
#include "storage/chunk_digest.h"
#include "storage/data_extent.h"

namespace gallery::storage {

class VirtualDisk {
 public:
  virtual ~VirtualDisk() = default;

  // Guest-visible size in bytes.
  virtual uint64_t size() const = 0;

  // Fills `out` with the bytes at [offset, offset + out.size()); ranges the image does not
  // allocate read as zeros. InvalidArgument when the range leaves [0, size()); DataLoss when
  // the bytes cannot be trusted (a chunk whose hash does not match); Unavailable on I/O errors.
  virtual Status ReadAt(uint64_t offset, std::span<uint8_t> out) const = 0;

  // True when [offset, offset + length) is known to read as zeros without reading it (an
  // unallocated VHD block, a hole of the file, an absent chunk). False when unknown: the
  // caller then reads and checks. Never true for a range holding a non-zero byte.
  virtual bool KnownZero(uint64_t offset, uint64_t length) const = 0;

  // The parts of [offset, offset + length) that may hold non-zero bytes (data_extent.h):
  // everything else is known to read as zeros, found without reading it, as KnownZero knows
  // (so a reader of a sparse disk reads only these). Never leaves out a byte that may be
  // non-zero; the whole range when it leaves the disk. Default: the whole range, or nothing
  // when KnownZero says so.
  virtual std::vector<DataExtent> DataExtents(uint64_t offset, uint64_t length) const {
    if (KnownZero(offset, length)) {
      return {};
    }
    std::vector<DataExtent> extents;
    AppendExtent(extents, offset, length);
    return extents;
  }

  // The SHA-256 of the content of [offset, offset + length) when known without reading it (an
  // upload hashed its whole chunks as they arrived); nullopt when unknown. A chunk with this
  // digest may or may not be in a store: Ingest asks the store before it relies on it.
  virtual std::optional<ChunkDigest> KnownDigest(uint64_t offset, uint64_t length) const {
    (void)offset;
    (void)length;
    return std::nullopt;
  }
};

}  // namespace gallery::storage
