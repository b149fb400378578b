#pragma once
// OpenDiskImage: an uploaded disk image file, validated, seen as a VirtualDisk.
//
// The file is Azure's page-blob layout of a VHD upload, usually a sparse staging file whose
// never-written pages are holes reading as zeros:
//  - fixed VHD: the disk bytes [0, length - 512), then the footer (the last 512 bytes);
//  - dynamic VHD: the VHD file's own bytes at their own offsets (footer copy at 0, dynamic
//    header, block allocation table, blocks), possibly zero padding (a client rounds the blob
//    up to n MiB + 512), and the footer again in the last 512 bytes.
//
//   DiskImageInfo info;
//   GALLERY_ASSIGN_OR_RETURN(
//       auto disk, OpenDiskImage(staging_path, upload_size, DeclaredFormat::kVhd, &info));
//   // info.footer: keep it, so an export of a fixed upload is byte-identical (FixedFooterFor).
//
// Every structure is checked against the file before any read is served (see OpenDiskImage),
// so a hostile upload can neither read outside its blob nor make Gallery allocate much: memory
// is the block allocation table (4 bytes per block) at most.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "storage/image_format.h"
#include "storage/image_source.h"
#include "storage/vhd_format.h"
#include "storage/virtual_disk.h"

namespace gallery::storage {

// What the uploader says the blob is.
enum class DeclaredFormat {
  kVhd,  // an Azure-style VHD upload: n MiB + 512 bytes, fixed or dynamic VHD
  // A VHD file as tools write it (what a client reads to upload): as kVhd, except that a
  // dynamic VHD may have any length (its structures end where its last block does).
  kVhdFile,
  kRaw,  // the whole file is the disk
};

// The largest disk accepted (current size of a VHD).
inline constexpr uint64_t kMaxDiskImageSize = uint64_t{4} << 40;  // 4 TiB
// VHD uploads and their disks are whole MiB (the blob is n MiB + the 512-byte footer).
inline constexpr uint64_t kDiskSizeAlignment = uint64_t{1} << 20;

struct DiskImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  uint64_t virtual_size = 0;
  std::optional<VhdFooter> footer;  // the trailing footer as uploaded; none for raw
};

// Opens the first `length` bytes of the file at `path` as a disk of format `declared`.
//
// kVhd: refuses with InvalidArgument (reason kInvalidVhdReason, or kUnsupportedFormatReason for
// a recognised foreign format; the message names the field, its value and what was expected):
//  - length < 512 or smaller than the structures the footer and header name (truncated);
//  - a VHDX, qcow2 or VMDK image, or a differencing VHD (FormatRefusal: names it and the fix);
//  - a footer with a bad cookie or checksum, or a disk type other than fixed or dynamic;
//  - length not a multiple of 1 MiB plus 512; current size 0, above kMaxDiskImageSize or not a
//    multiple of 1 MiB; fixed: current size other than length - 512;
//  - dynamic: footer copy at 0 missing or different; dynamic header outside the file or bad
//    (cookie, checksum, block size); max table entries too few for the current size; a BAT
//    outside the file; a BAT entry whose block (bitmap + data) leaves [0, length - 512) or
//    overlaps the footer copy, the dynamic header, the BAT or another block.
// kVhdFile: as kVhd, except that a dynamic VHD's length need not be n MiB + 512.
// kRaw: the whole file is the disk; length must be a non-zero multiple of 512 and at most
// kMaxDiskImageSize; a file recognised as VHD, VHDX, qcow2 or VMDK is refused (the uploader
// declared the wrong format).
// NotFound when the file does not exist; Unavailable on other I/O errors or when the file is
// shorter than `length`.
//
// `info`, when not null, is filled on success; on failure its `format` holds what was
// recognised (kUnknown when nothing).
//
// The disk: ReadAt uses pread (thread-safe); dynamic blocks honour their sector bitmaps (a
// sector whose bit is 0 reads as zeros). KnownZero is true for unallocated blocks, sectors
// whose bitmap bit is 0 and holes of the file (SEEK_DATA/SEEK_HOLE), found without reading
// data. The file must not change while the disk is open.
Result<std::unique_ptr<VirtualDisk>> OpenDiskImage(const std::string& path, uint64_t length,
                                                   DeclaredFormat declared, DiskImageInfo* info);
// The same over any source of at least `length` bytes (an upload whose chunks were stored as
// they arrived, upload_blob.h). A fixed VHD's or raw disk's KnownDigest is the source's.
Result<std::unique_ptr<VirtualDisk>> OpenDiskImage(std::unique_ptr<ImageSource> source,
                                                   uint64_t length, DeclaredFormat declared,
                                                   DiskImageInfo* info);

}  // namespace gallery::storage
