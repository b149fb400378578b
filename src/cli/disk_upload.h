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
// Layouts (the blob is the file's bytes at their own offsets, zeros, then the footer):
//  - fixed VHD: the file as it is; its size must be n MiB + 512 and its footer's current size
//    n MiB;
//  - dynamic VHD: the file's bytes before its footer, zeros up to n MiB, the footer last; n MiB
//    is the file size rounded up to 1 MiB, and at least kMinUploadDataBytes (Azure's smallest
//    upload); the server reads the VHD's own structures;
//  - raw (declared by the user): the file's bytes padded with zeros to a whole MiB, then a new
//    fixed VHD footer (storage::FixedFooterFor) for that size.
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

namespace gallery::cli {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
// The smallest data part of an upload Azure accepts (uploadSizeBytes >= 20 MiB + 512).
inline constexpr uint64_t kMinUploadDataBytes = 20 * kMiB;

enum class UploadFormat { kVhd, kRaw };

// How a file maps onto the upload's page blob.
struct UploadLayout {
  storage::ImageFormat format = storage::ImageFormat::kUnknown;  // fixed/dynamic VHD or raw
  uint64_t upload_size = 0;                                      // the blob: n MiB + 512
  uint64_t file_bytes = 0;  // blob bytes [0, file_bytes) are the file's, at the same offsets
  std::string footer;       // the blob's last 512 bytes
};

// Decides the layout from the file's size, its first bytes (up to storage::kSniffHeadBytes)
// and its last 512 bytes (`tail`, shorter for a smaller file). `now` and `unique_id` go into
// the footer made for a raw file. InvalidArgument with a message saying what the file is and
// how to convert it: reason storage::kUnsupportedFormatReason for a foreign or unknown format
// (and a VHD declared raw), storage::kInvalidVhdReason for a broken footer or a fixed VHD whose
// size is not n MiB + 512; an empty file is refused too.
Result<UploadLayout> PlanLayout(uint64_t file_size, std::span<const uint8_t> head,
                                std::span<const uint8_t> tail, UploadFormat format, TimestampMs now,
                                const storage::VhdUniqueId& unique_id);

// A random unique id for the footer made for a raw file.
storage::VhdUniqueId NewVhdUniqueId(Random& random);

// A file opened for upload with its layout. Thread-safe reads (pread).
class UploadSource {
 public:
  // Opens `path` and plans its layout (see PlanLayout). NotFound when the file does not exist,
  // Unavailable when it cannot be read, InvalidArgument when it is not a regular file.
  static Result<std::unique_ptr<UploadSource>> Open(const std::string& path, UploadFormat format,
                                                    TimestampMs now,
                                                    const storage::VhdUniqueId& unique_id);
  ~UploadSource();
  UploadSource(const UploadSource&) = delete;
  UploadSource& operator=(const UploadSource&) = delete;

  const UploadLayout& layout() const { return layout_; }

  // True when the blob bytes of `piece` are zeros without reading them: past the file's bytes
  // (padding) or a hole of the file (SEEK_DATA). Never true for a piece holding the footer.
  bool KnownZero(const Piece& piece) const;

  // Puts the blob bytes of `piece` into `out` (resized to the piece's length).
  Status Read(const Piece& piece, std::string& out) const;

 private:
  UploadSource(int fd, std::string path, UploadLayout layout);

  int fd_;
  std::string path_;
  UploadLayout layout_;
};

// Uploads `pieces` of `source` (see RunPieces): a piece known zero is skipped without reading,
// a piece read as all zeros is skipped without sending, any other is written with PutPages.
Result<TransferStats> UploadPieces(const UploadSource& source, const std::vector<Piece>& pieces,
                                   const TransferOptions& options);

}  // namespace gallery::cli
