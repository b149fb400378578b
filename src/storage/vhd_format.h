#pragma once
// The VHD on-disk structures (Microsoft "Virtual Hard Disk Image Format Specification" 1.0):
// the 512-byte hard disk footer every VHD ends with, and the 1024-byte dynamic disk header
// ("cxsparse") of dynamic and differencing disks. All integers on disk are big-endian.
//
//   GALLERY_ASSIGN_OR_RETURN(VhdFooter footer, ParseVhdFooter(last_512_bytes));
//   if (footer.disk_type == VhdDiskType::kDynamic) { ... ParseVhdDynamicHeader(...) ... }
//   std::array<uint8_t, 512> bytes = SerializeVhdFooter(FixedFooterFor(size, footer, now, id));
//
// Pure: no I/O. Parse errors are InvalidArgument with reason kInvalidVhdReason and a message
// naming the field, the value found and what was expected.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/time.h"

namespace gallery::storage {

// The ARM error code of a structurally invalid VHD.
inline constexpr std::string_view kInvalidVhdReason = "InvalidVhd";

// The cookie that opens a VHD footer (and the footer copy at the start of a dynamic VHD).
inline constexpr std::string_view kVhdFooterCookie = "conectix";
inline constexpr size_t kVhdFooterSize = 512;
inline constexpr size_t kVhdDynamicHeaderSize = 1024;
inline constexpr size_t kVhdSectorSize = 512;
// A BAT entry that maps no block: the block reads as zeros.
inline constexpr uint32_t kVhdUnallocated = 0xFFFFFFFF;
// The footer's data offset of a fixed disk (no dynamic header).
inline constexpr uint64_t kVhdNoDataOffset = 0xFFFFFFFFFFFFFFFF;

enum class VhdDiskType : uint32_t {
  kNone = 0,
  kFixed = 2,
  kDynamic = 3,
  kDifferencing = 4,
};

using VhdUniqueId = std::array<uint8_t, 16>;

// Cylinders, heads, sectors per track as the footer stores them (2 + 1 + 1 bytes).
struct VhdGeometry {
  uint16_t cylinders = 0;
  uint8_t heads = 0;
  uint8_t sectors_per_track = 0;

  bool operator==(const VhdGeometry&) const = default;
};

// The hard disk footer, every field as stored (so serializing a parsed footer gives back the
// same 512 bytes, reserved bytes included).
struct VhdFooter {
  std::array<char, 8> cookie{'c', 'o', 'n', 'e', 'c', 't', 'i', 'x'};
  uint32_t features = 0x00000002;  // bit 1 is reserved and always set
  uint32_t file_format_version = 0x00010000;
  uint64_t data_offset = kVhdNoDataOffset;  // absolute offset of the dynamic header
  uint32_t timestamp = 0;                   // seconds since 2000-01-01T00:00:00Z
  std::array<char, 4> creator_application{};
  uint32_t creator_version = 0;
  std::array<char, 4> creator_host_os{};
  uint64_t original_size = 0;  // bytes
  uint64_t current_size = 0;   // bytes: the guest-visible size
  VhdGeometry geometry;
  uint32_t disk_type = static_cast<uint32_t>(VhdDiskType::kNone);  // raw value, may be unknown
  uint32_t checksum = 0;
  VhdUniqueId unique_id{};
  uint8_t saved_state = 0;
  std::array<uint8_t, 427> reserved{};

  VhdDiskType type() const { return static_cast<VhdDiskType>(disk_type); }
  bool operator==(const VhdFooter&) const = default;
};

// The VHD checksum of a structure: the one's complement of the sum of its bytes, the four
// bytes of its checksum field (at `checksum_offset`) excluded.
uint32_t VhdChecksumOf(std::span<const uint8_t> bytes, size_t checksum_offset);
// The checksum `footer` should carry.
uint32_t VhdFooterChecksum(const VhdFooter& footer);

// Byte offsets of the checksum fields.
inline constexpr size_t kVhdFooterChecksumOffset = 64;
inline constexpr size_t kVhdDynamicHeaderChecksumOffset = 36;

// Parses a footer. InvalidArgument (kInvalidVhdReason) when the cookie is not "conectix" or the
// checksum does not match; other fields are returned as found (the caller judges them).
Result<VhdFooter> ParseVhdFooter(std::span<const uint8_t, kVhdFooterSize> bytes);

// Checks the fields of a parsed footer that every VHD must get right, whatever its disk type:
// the major file format version is 1; the geometry has non-zero cylinders, heads and sectors
// per track; a fixed disk's data offset is 0xFFFFFFFF (all ones in the 64-bit field, or the 32
// bits the specification names). InvalidArgument (kInvalidVhdReason) naming the field, its
// value and what was expected. The disk type and sizes are the caller's to judge.
Status CheckVhdFooterFields(const VhdFooter& footer);
// OK for the disk types of the specification (fixed, dynamic, differencing: callers refuse
// the last); otherwise InvalidArgument (kInvalidVhdReason) naming the type found.
Status CheckVhdDiskType(const VhdFooter& footer);
// The 512 bytes of `footer`, with the checksum recomputed (the `checksum` field is ignored).
std::array<uint8_t, kVhdFooterSize> SerializeVhdFooter(const VhdFooter& footer);
// The same 512 bytes as a string (how resources keep a footer).
std::string VhdFooterBytes(const VhdFooter& footer);

// The CHS geometry the VHD specification (appendix "CHS calculation") assigns to a disk of
// `size` bytes; capped at 65535 x 16 x 255 for disks beyond 127 GiB.
VhdGeometry GeometryFor(uint64_t size);

// Seconds since 2000-01-01T00:00:00Z (the footer's timestamp) of a Unix time in milliseconds;
// 0 before 2000, saturated at 2^32 - 1.
uint32_t VhdTimestampOf(TimestampMs t);

// The footer of a fixed VHD holding a disk of `size` bytes, for export:
//  - `original` is a fixed VHD footer of the same current size: returned unchanged, so a disk
//    uploaded as a fixed VHD exports byte-identical to the upload;
//  - `original` is any other footer (a dynamic VHD's): the original with disk type fixed, data
//    offset all ones, current size `size` and the checksum recomputed;
//  - no original (a raw disk): a new footer, creator "win " (so qemu, Hyper-V and Azure
//    all size it by its current size), timestamp `now`, the spec's
//    geometry, host OS "Wi2k", unique id `unique_id` (random, chosen by the caller).
// The returned footer's checksum field is always valid.
VhdFooter FixedFooterFor(uint64_t size, const std::optional<VhdFooter>& original, TimestampMs now,
                         const VhdUniqueId& unique_id);

// One parent locator entry of the dynamic header (where a differencing disk names its parent).
struct VhdParentLocator {
  uint32_t platform_code = 0;
  uint32_t platform_data_space = 0;
  uint32_t platform_data_length = 0;
  uint64_t platform_data_offset = 0;

  bool operator==(const VhdParentLocator&) const = default;
};

// The dynamic disk header of dynamic and differencing VHDs.
struct VhdDynamicHeader {
  uint64_t data_offset = kVhdNoDataOffset;  // unused by the specification: all ones
  uint64_t table_offset = 0;                // absolute offset of the block allocation table
  uint32_t header_version = 0x00010000;
  uint32_t max_table_entries = 0;  // BAT entries: blocks the disk may have
  uint32_t block_size = 0;         // data bytes per block, sector bitmap excluded
  uint32_t checksum = 0;
  VhdUniqueId parent_unique_id{};  // differencing disks: the parent's footer unique id
  uint32_t parent_timestamp = 0;
  std::u16string parent_unicode_name;  // UTF-16 (stored big-endian), up to the first NUL
  std::array<VhdParentLocator, 8> parent_locators{};

  // True when a parent is named (unique id, name or a locator): a differencing disk.
  bool HasParent() const;
  // The parent's name as UTF-8 (for messages); empty when none.
  std::string ParentNameUtf8() const;
};

// The smallest and largest block sizes accepted (powers of two; the specification's default
// and Hyper-V's are 2 MiB, Hyper-V also writes 512 KiB).
inline constexpr uint32_t kVhdMinBlockSize = 512 * 1024;
inline constexpr uint32_t kVhdMaxBlockSize = 256 * 1024 * 1024;

// Parses a dynamic header. InvalidArgument (kInvalidVhdReason) when the cookie is not
// "cxsparse", the checksum does not match, the header version is not 1.0, or the block size is
// not a power of two in [kVhdMinBlockSize, kVhdMaxBlockSize]. Offsets and counts are checked
// against the file by the caller (disk_image.h).
Result<VhdDynamicHeader> ParseVhdDynamicHeader(
    std::span<const uint8_t, kVhdDynamicHeaderSize> bytes);

// Bytes of a block's sector bitmap on disk: one bit per sector, padded to a sector boundary.
uint64_t VhdBitmapBytes(uint32_t block_size);

// The footer an export of a disk of `size` bytes ends with: FixedFooterFor of `original` (the
// uploaded footer's 512 bytes) when it parses, so a fixed upload downloads byte for byte; else a
// new footer with timestamp `created` and the unique id spelled by the hex digits of `uuid`
// (a resource's or manifest's uuid: the same disk always exports the same footer).
std::array<uint8_t, kVhdFooterSize> ExportFooter(uint64_t size, std::string_view original,
                                                 TimestampMs created, std::string_view uuid);

}  // namespace gallery::storage
