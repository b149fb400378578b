#include "storage/vhd_format.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>

namespace gallery::storage {
namespace {

constexpr std::string_view kDynamicCookie = "cxsparse";
constexpr uint32_t kHeaderVersion = 0x00010000;
// Unix time of 2000-01-01T00:00:00Z, the epoch of VHD timestamps.
constexpr int64_t kVhdEpochUnixSeconds = 946684800;
constexpr size_t kParentNameBytes = 512;
constexpr size_t kParentLocatorCount = 8;

// Big-endian reads and writes at fixed offsets of a structure.
uint64_t LoadBe(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v = v << 8 | p[i];
  }
  return v;
}
uint16_t Be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(LoadBe(b.data() + at, 2));
}
uint32_t Be32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(LoadBe(b.data() + at, 4));
}
uint64_t Be64(std::span<const uint8_t> b, size_t at) { return LoadBe(b.data() + at, 8); }

void StoreBe(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; --i) {
    p[i - 1] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

template <size_t N, typename T>
std::array<T, N> Copy(std::span<const uint8_t> b, size_t at) {
  std::array<T, N> out{};
  std::memcpy(out.data(), b.data() + at, N);
  return out;
}

// A cookie as text for messages: printable characters kept, others as \xNN.
std::string Printable(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

Status Invalid(std::string message) {
  return Status::InvalidArgument(std::move(message)).WithReason(std::string(kInvalidVhdReason));
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Checks the cookie and the checksum shared by both structures.
Status CheckCookieAndChecksum(std::span<const uint8_t> bytes, std::string_view what,
                              std::string_view cookie, size_t checksum_offset) {
  if (std::memcmp(bytes.data(), cookie.data(), cookie.size()) != 0) {
    return Invalid(std::string(what) + " cookie is '" + Printable(bytes.first(cookie.size())) +
                   "', expected '" + std::string(cookie) + "'");
  }
  const uint32_t stored = Be32(bytes, checksum_offset);
  const uint32_t computed = VhdChecksumOf(bytes, checksum_offset);
  if (stored != computed) {
    return Invalid(std::string(what) + " checksum is " + Hex32(stored) + ", expected " +
                   Hex32(computed) + " (the " + std::string(what) + " is corrupt)");
  }
  return Status::Ok();
}

}  // namespace

uint32_t VhdChecksumOf(std::span<const uint8_t> bytes, size_t checksum_offset) {
  uint32_t sum = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i >= checksum_offset && i < checksum_offset + 4) {
      continue;
    }
    sum += bytes[i];
  }
  return ~sum;
}

uint32_t VhdFooterChecksum(const VhdFooter& footer) {
  const std::array<uint8_t, kVhdFooterSize> bytes = SerializeVhdFooter(footer);
  return VhdChecksumOf(bytes, kVhdFooterChecksumOffset);
}

Result<VhdFooter> ParseVhdFooter(std::span<const uint8_t, kVhdFooterSize> bytes) {
  GALLERY_RETURN_IF_ERROR(
      CheckCookieAndChecksum(bytes, "VHD footer", kVhdFooterCookie, kVhdFooterChecksumOffset));
  VhdFooter f;
  f.cookie = Copy<8, char>(bytes, 0);
  f.features = Be32(bytes, 8);
  f.file_format_version = Be32(bytes, 12);
  f.data_offset = Be64(bytes, 16);
  f.timestamp = Be32(bytes, 24);
  f.creator_application = Copy<4, char>(bytes, 28);
  f.creator_version = Be32(bytes, 32);
  f.creator_host_os = Copy<4, char>(bytes, 36);
  f.original_size = Be64(bytes, 40);
  f.current_size = Be64(bytes, 48);
  f.geometry.cylinders = Be16(bytes, 56);
  f.geometry.heads = bytes[58];
  f.geometry.sectors_per_track = bytes[59];
  f.disk_type = Be32(bytes, 60);
  f.checksum = Be32(bytes, kVhdFooterChecksumOffset);
  f.unique_id = Copy<16, uint8_t>(bytes, 68);
  f.saved_state = bytes[84];
  f.reserved = Copy<427, uint8_t>(bytes, 85);
  return f;
}

Status CheckVhdDiskType(const VhdFooter& footer) {
  const VhdDiskType type = footer.type();
  if (type != VhdDiskType::kFixed && type != VhdDiskType::kDynamic &&
      type != VhdDiskType::kDifferencing) {
    return Invalid("VHD footer disk type is " + std::to_string(footer.disk_type) +
                   ", expected 2 (fixed) or 3 (dynamic)");
  }
  return Status::Ok();
}

Status CheckVhdFooterFields(const VhdFooter& footer) {
  constexpr uint32_t kMajorVersion = 1;
  constexpr uint64_t kSpecNoDataOffset = 0xFFFFFFFF;
  if (footer.file_format_version >> 16 != kMajorVersion) {
    return Invalid("VHD footer file format version is " + Hex32(footer.file_format_version) +
                   ", expected major version 1 (0x00010000)");
  }
  const VhdGeometry& g = footer.geometry;
  if (g.cylinders == 0 || g.heads == 0 || g.sectors_per_track == 0) {
    return Invalid("VHD footer geometry (cylinders/heads/sectors per track) is " +
                   std::to_string(g.cylinders) + "/" + std::to_string(g.heads) + "/" +
                   std::to_string(g.sectors_per_track) + ", expected none of them 0");
  }
  if (footer.type() == VhdDiskType::kFixed && footer.data_offset != kVhdNoDataOffset &&
      footer.data_offset != kSpecNoDataOffset) {
    return Invalid("VHD footer data offset is " + std::to_string(footer.data_offset) +
                   ", expected 0xFFFFFFFF for a fixed disk (it has no dynamic header)");
  }
  return Status::Ok();
}

std::array<uint8_t, kVhdFooterSize> SerializeVhdFooter(const VhdFooter& f) {
  std::array<uint8_t, kVhdFooterSize> b{};
  uint8_t* p = b.data();
  std::memcpy(p, f.cookie.data(), 8);
  StoreBe(p + 8, f.features, 4);
  StoreBe(p + 12, f.file_format_version, 4);
  StoreBe(p + 16, f.data_offset, 8);
  StoreBe(p + 24, f.timestamp, 4);
  std::memcpy(p + 28, f.creator_application.data(), 4);
  StoreBe(p + 32, f.creator_version, 4);
  std::memcpy(p + 36, f.creator_host_os.data(), 4);
  StoreBe(p + 40, f.original_size, 8);
  StoreBe(p + 48, f.current_size, 8);
  StoreBe(p + 56, f.geometry.cylinders, 2);
  p[58] = f.geometry.heads;
  p[59] = f.geometry.sectors_per_track;
  StoreBe(p + 60, f.disk_type, 4);
  std::memcpy(p + 68, f.unique_id.data(), 16);
  p[84] = f.saved_state;
  std::memcpy(p + 85, f.reserved.data(), f.reserved.size());
  StoreBe(p + kVhdFooterChecksumOffset, VhdChecksumOf(b, kVhdFooterChecksumOffset), 4);
  return b;
}

VhdGeometry GeometryFor(uint64_t size) {
  // The specification's algorithm, verbatim in its integer arithmetic.
  constexpr uint64_t kMaxSectors = 65535ull * 16 * 255;
  uint64_t total_sectors = std::min<uint64_t>(size / kVhdSectorSize, kMaxSectors);
  uint64_t sectors_per_track = 0;
  uint64_t heads = 0;
  uint64_t cylinder_times_heads = 0;
  if (total_sectors >= 65535ull * 16 * 63) {
    sectors_per_track = 255;
    heads = 16;
    cylinder_times_heads = total_sectors / sectors_per_track;
  } else {
    sectors_per_track = 17;
    cylinder_times_heads = total_sectors / sectors_per_track;
    heads = (cylinder_times_heads + 1023) / 1024;
    if (heads < 4) {
      heads = 4;
    }
    if (cylinder_times_heads >= heads * 1024 || heads > 16) {
      sectors_per_track = 31;
      heads = 16;
      cylinder_times_heads = total_sectors / sectors_per_track;
    }
    if (cylinder_times_heads >= heads * 1024) {
      sectors_per_track = 63;
      heads = 16;
      cylinder_times_heads = total_sectors / sectors_per_track;
    }
  }
  VhdGeometry g;
  g.cylinders = static_cast<uint16_t>(cylinder_times_heads / heads);
  g.heads = static_cast<uint8_t>(heads);
  g.sectors_per_track = static_cast<uint8_t>(sectors_per_track);
  return g;
}

uint32_t VhdTimestampOf(TimestampMs t) {
  const int64_t seconds = t / 1000 - kVhdEpochUnixSeconds;
  return static_cast<uint32_t>(std::clamp<int64_t>(seconds, 0, UINT32_MAX));
}

VhdFooter FixedFooterFor(uint64_t size, const std::optional<VhdFooter>& original, TimestampMs now,
                         const VhdUniqueId& unique_id) {
  if (original && original->type() == VhdDiskType::kFixed && original->current_size == size &&
      original->checksum == VhdFooterChecksum(*original)) {
    return *original;
  }
  VhdFooter f;
  if (original) {
    f = *original;
  } else {
    f.timestamp = VhdTimestampOf(now);
    // "win " (Hyper-V): readers size such a disk by its current size (qemu sizes disks of
    // creators it does not know by their CHS geometry, which rarely covers the disk exactly).
    f.creator_application = {'w', 'i', 'n', ' '};
    f.creator_version = 0x00010000;
    f.creator_host_os = {'W', 'i', '2', 'k'};
    f.original_size = size;
    f.geometry = GeometryFor(size);
    f.unique_id = unique_id;
  }
  f.disk_type = static_cast<uint32_t>(VhdDiskType::kFixed);
  f.data_offset = kVhdNoDataOffset;
  f.current_size = size;
  f.checksum = VhdFooterChecksum(f);
  return f;
}

bool VhdDynamicHeader::HasParent() const {
  const bool locator = std::any_of(parent_locators.begin(), parent_locators.end(),
                                   [](const VhdParentLocator& l) { return l.platform_code != 0; });
  return locator || !parent_unicode_name.empty() || parent_unique_id != VhdUniqueId{};
}

std::string VhdDynamicHeader::ParentNameUtf8() const {
  std::string out;
  for (size_t i = 0; i < parent_unicode_name.size(); ++i) {
    uint32_t c = parent_unicode_name[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < parent_unicode_name.size()) {
      const uint32_t lo = parent_unicode_name[i + 1];
      if (lo >= 0xDC00 && lo < 0xE000) {
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        ++i;
      }
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | c >> 6));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | c >> 12));
      out.push_back(static_cast<char>(0x80 | (c >> 6 & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | c >> 18));
      out.push_back(static_cast<char>(0x80 | (c >> 12 & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c >> 6 & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

Result<VhdDynamicHeader> ParseVhdDynamicHeader(
    std::span<const uint8_t, kVhdDynamicHeaderSize> bytes) {
  GALLERY_RETURN_IF_ERROR(CheckCookieAndChecksum(bytes, "VHD dynamic header", kDynamicCookie,
                                                 kVhdDynamicHeaderChecksumOffset));
  VhdDynamicHeader h;
  h.data_offset = Be64(bytes, 8);
  h.table_offset = Be64(bytes, 16);
  h.header_version = Be32(bytes, 24);
  h.max_table_entries = Be32(bytes, 28);
  h.block_size = Be32(bytes, 32);
  h.checksum = Be32(bytes, kVhdDynamicHeaderChecksumOffset);
  h.parent_unique_id = Copy<16, uint8_t>(bytes, 40);
  h.parent_timestamp = Be32(bytes, 56);
  for (size_t at = 64; at + 1 < 64 + kParentNameBytes; at += 2) {
    const char16_t c = static_cast<char16_t>(Be16(bytes, at));
    if (c == 0) {
      break;
    }
    h.parent_unicode_name.push_back(c);
  }
  for (size_t i = 0; i < kParentLocatorCount; ++i) {
    const size_t at = 576 + i * 24;
    VhdParentLocator& l = h.parent_locators[i];
    l.platform_code = Be32(bytes, at);
    l.platform_data_space = Be32(bytes, at + 4);
    l.platform_data_length = Be32(bytes, at + 8);
    l.platform_data_offset = Be64(bytes, at + 16);
  }
  if (h.header_version != kHeaderVersion) {
    return Invalid("VHD dynamic header version is " + Hex32(h.header_version) + ", expected " +
                   Hex32(kHeaderVersion));
  }
  if (!std::has_single_bit(h.block_size) || h.block_size < kVhdMinBlockSize ||
      h.block_size > kVhdMaxBlockSize) {
    return Invalid("VHD dynamic header block size is " + std::to_string(h.block_size) +
                   " bytes, expected a power of two from " + std::to_string(kVhdMinBlockSize) +
                   " to " + std::to_string(kVhdMaxBlockSize));
  }
  return h;
}

uint64_t VhdBitmapBytes(uint32_t block_size) {
  const uint64_t bits = block_size / kVhdSectorSize;
  const uint64_t bytes = (bits + 7) / 8;
  return (bytes + kVhdSectorSize - 1) / kVhdSectorSize * kVhdSectorSize;
}

std::string VhdFooterBytes(const VhdFooter& footer) {
  const std::array<uint8_t, kVhdFooterSize> bytes = SerializeVhdFooter(footer);
  return std::string(bytes.begin(), bytes.end());
}

std::array<uint8_t, kVhdFooterSize> ExportFooter(uint64_t size, std::string_view original,
                                                 TimestampMs created, std::string_view uuid) {
  std::optional<VhdFooter> parsed_original;
  if (original.size() == kVhdFooterSize) {
    std::array<uint8_t, kVhdFooterSize> bytes{};
    std::copy(original.begin(), original.end(), bytes.begin());
    if (auto parsed = ParseVhdFooter(bytes); parsed.ok()) {
      parsed_original = *parsed;
    }
  }
  VhdUniqueId id{};
  for (size_t i = 0, j = 0; i < uuid.size() && j < id.size() * 2; ++i) {
    const char c = uuid[i];
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                                                              : -1;
    if (v >= 0) {
      id[j / 2] = static_cast<uint8_t>(id[j / 2] | (j % 2 == 0 ? v << 4 : v));
      ++j;
    }
  }
  return SerializeVhdFooter(FixedFooterFor(size, parsed_original, created, id));
}

}  // namespace gallery::storage
