#pragma once
// Disk upload: how a local file becomes the page blob of an Azure-style disk upload
// (n MiB + a 512-byte VHD footer), and the parallel upload of its pieces.
//
//   GALLERY_ASSIGN_OR_RETURN(auto source, UploadSource::Open("disk.vhd", UploadFormat::kVhd,
//                                                            now, unique_id));
//   // create the disk with source->layout().upload_size, grant Write, then:
//   GALLERY_ASSIGN_OR_RETURN(TransferStats stats,
//                            UploadPieces(*source, PlanPieces(source->layout().upload_size),
//                                         options));
//
// Layouts (the blob is the disk's bytes, zeros up to n MiB, then a 512-byte fixed VHD footer:
// the fixed layout Azure accepts, whose blob offsets are disk offsets):
//  - fixed VHD: the file as it is; its size must be n MiB + 512 and its footer's current size
//    n MiB;
//  - dynamic VHD: its virtual disk (footer current size, which must be n MiB) read through
//    storage::OpenDiskImage, then the footer turned fixed (storage::FixedFooterFor keeps its
//    geometry, unique id and timestamp); blocks the VHD does not allocate are known zeros and
//    never read or sent. A VHD whose structures are broken is refused before any request;
//  - raw (declared by the user): the file's bytes padded with zeros to a whole MiB and at least
//    20 MiB (the smallest disk an upload may create), then a new
//    fixed VHD footer (storage::FixedFooterFor) for that size.
// In every layout the holes of a sparse file (the zeros qemu-img leaves inside a dynamic VHD's
// allocated blocks, too) are known zeros, never read nor sent.
// The blob's size and data are a pure function of the file, so an interrupted upload resumes
// onto the same blob (only a raw file's new footer holds `now` and a random unique id).
// Anything else (VHDX, qcow2, VMDK, differencing VHD, not a VHD) is refused before any request.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/piece_transfer.h"
#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/image_format.h"
#include "storage/vhd_format.h"
#include "storage/virtual_disk.h"

namespace gallery::cli {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;

enum class UploadFormat { kVhd, kRaw };

// How a file maps onto the upload's page blob.
struct UploadLayout {
  storage::ImageFormat format = storage::ImageFormat::kUnknown;  // fixed/dynamic VHD or raw
  uint64_t upload_size = 0;                                      // the blob: n MiB + 512
  // Blob bytes [0, data_bytes) are the disk's: the file's at the same offsets (fixed VHD, raw)
  // or the dynamic VHD's virtual disk; zeros follow up to the footer.
  uint64_t data_bytes = 0;
  std::string footer;  // the blob's last 512 bytes: a fixed VHD footer
};

// Decides the layout from the file's size, its first bytes (up to storage::kSniffHeadBytes)
// and its last 512 bytes (`tail`, shorter for a smaller file). `now` and `unique_id` go into
// the footer made for a raw file. InvalidArgument with a message saying what the file is and
// how to convert it: reason storage::kUnsupportedFormatReason for a foreign or unknown format
// (and a VHD declared raw), storage::kInvalidVhdReason for a broken footer, a fixed VHD whose
// size is not n MiB + 512 or a dynamic VHD whose current size is not n MiB; an empty file is
// refused too. A dynamic VHD's other structures are checked by UploadSource::Open.
Result<UploadLayout> PlanLayout(uint64_t file_size, std::span<const uint8_t> head,
                                std::span<const uint8_t> tail, UploadFormat format, TimestampMs now,
                                const storage::VhdUniqueId& unique_id);

// A random unique id for the footer made for a raw file.
storage::VhdUniqueId NewVhdUniqueId(Random& random);

// A file opened for upload with its layout; the disk's bytes come through one
// storage::VirtualDisk (the file itself, or the dynamic VHD's disk). Thread-safe reads (pread).
class UploadSource {
 public:
  // Opens `path` and plans its layout (see PlanLayout). NotFound when the file does not exist,
  // Unavailable when it cannot be read, InvalidArgument when it is not a regular file, and
  // storage::OpenDiskImage's refusal (prefixed with the path) for a broken dynamic VHD.
  static Result<std::unique_ptr<UploadSource>> Open(const std::string& path, UploadFormat format,
                                                    TimestampMs now,
                                                    const storage::VhdUniqueId& unique_id);
  ~UploadSource();
  UploadSource(const UploadSource&) = delete;
  UploadSource& operator=(const UploadSource&) = delete;

  const UploadLayout& layout() const { return layout_; }

  // The parts of `piece` whose blob bytes may be non-zero, in order, disjoint: the disk's
  // storage::VirtualDisk::DataExtents (neither a hole of the file, found with SEEK_DATA and
  // SEEK_HOLE, nor blocks and sectors a dynamic VHD does not allocate) and the footer's bytes;
  // never padding past the disk's bytes. Found without reading the disk's bytes; empty when the
  // whole piece is known zeros.
  std::vector<Piece> DataParts(const Piece& piece) const;

  // Puts the blob bytes of `piece` into `out` (resized to the piece's length).
  Status Read(const Piece& piece, std::string& out) const;

 private:
  UploadSource(std::unique_ptr<storage::VirtualDisk> disk, UploadLayout layout);

  std::unique_ptr<storage::VirtualDisk> disk_;  // size() == layout_.data_bytes
  UploadLayout layout_;
};

// Uploads `pieces` of `source` (see RunPieces). Of each piece only its DataParts are read,
// rounded out to whole blocks of storage::kDefaultChunkSize (the server's chunk size), and of
// those only the blocks that are not all zeros are sent: a run of adjacent ones per PutPages. A
// piece with no such block is skipped.
Result<TransferStats> UploadPieces(const UploadSource& source, const std::vector<Piece>& pieces,
                                   const TransferOptions& options);

}  // namespace gallery::cli
