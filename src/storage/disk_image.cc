#include "storage/disk_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "domain/disk_rules.h"

#include "storage/posix_io.h"

namespace gallery::storage {

static_assert(kMaxDiskImageSize == static_cast<uint64_t>(domain::kMaxUploadDiskBytes),
              "a disk created for upload must be one the seal accepts");

namespace {

constexpr uint64_t kFooterSize = kVhdFooterSize;
constexpr uint64_t kSector = kVhdSectorSize;

std::string Num(uint64_t v) { return std::to_string(v); }

Status InvalidVhd(std::string message) {
  return Status::InvalidArgument(std::move(message)).WithReason(std::string(kInvalidVhdReason));
}

Status Unsupported(std::string message) {
  return Status::InvalidArgument(std::move(message))
      .WithReason(std::string(kUnsupportedFormatReason));
}

// Prefixes a parse error's message, keeping its code and reason.
Status Prefixed(const Status& s, std::string_view prefix) {
  return Status(s.code(), std::string(prefix) + s.message(), s.target()).WithReason(s.reason());
}

bool RangeInside(uint64_t offset, uint64_t length, uint64_t size) {
  return length <= size && offset <= size - length;
}

Status OutOfRange(uint64_t offset, uint64_t length, uint64_t size) {
  return Status::InvalidArgument("Read of " + Num(length) + " bytes at offset " + Num(offset) +
                                 " leaves the disk of " + Num(size) + " bytes");
}

// A disk stored flat in the file: a fixed VHD's data area, or a raw disk.
class FlatDisk final : public VirtualDisk {
 public:
  FlatDisk(std::unique_ptr<ImageSource> file, uint64_t size) : file_(std::move(file)), size_(size) {}

  uint64_t size() const override { return size_; }

  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    if (!RangeInside(offset, out.size(), size_)) {
      return OutOfRange(offset, out.size(), size_);
    }
    return file_->ReadAt(offset, out);
  }

  bool KnownZero(uint64_t offset, uint64_t length) const override {
    return RangeInside(offset, length, size_) && file_->IsHole(offset, length);
  }

  std::vector<DataExtent> DataExtents(uint64_t offset, uint64_t length) const override {
    if (!RangeInside(offset, length, size_)) {
      return {{offset, length}};
    }
    return file_->DataExtents(offset, length);
  }

  // The disk's offsets are the source's: what the source hashed is the disk's.
  std::optional<ChunkDigest> KnownDigest(uint64_t offset, uint64_t length) const override {
    if (!RangeInside(offset, length, size_)) {
      return std::nullopt;
    }
    return file_->KnownDigest(offset, length);
  }

 private:
  std::unique_ptr<ImageSource> file_;
  uint64_t size_;
};

// A dynamic VHD: blocks mapped by the BAT (validated at open), each a sector bitmap then data.
class DynamicVhdDisk final : public VirtualDisk {
 public:
  DynamicVhdDisk(std::unique_ptr<ImageSource> file, uint64_t size, uint32_t block_size,
                 std::vector<uint32_t> bat)
      : file_(std::move(file)),
        size_(size),
        block_size_(block_size),
        bitmap_bytes_(VhdBitmapBytes(block_size)),
        bat_(std::move(bat)) {}

  uint64_t size() const override { return size_; }

  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    if (!RangeInside(offset, out.size(), size_)) {
      return OutOfRange(offset, out.size(), size_);
    }
    GALLERY_ASSIGN_OR_RETURN(const std::vector<Segment> segments, SegmentsOf(offset, out.size()));
    for (const Segment& s : segments) {
      std::span<uint8_t> piece = out.subspan(s.disk_offset - offset, s.length);
      if (s.file_offset == kUnmapped) {
        std::fill(piece.begin(), piece.end(), 0);
      } else {
        GALLERY_RETURN_IF_ERROR(file_->ReadAt(s.file_offset, piece));
      }
    }
    return Status::Ok();
  }

  bool KnownZero(uint64_t offset, uint64_t length) const override {
    if (!RangeInside(offset, length, size_)) {
      return false;
    }
    Result<std::vector<Segment>> segments = SegmentsOf(offset, length);
    return segments.ok() && std::all_of(segments->begin(), segments->end(), [&](const Segment& s) {
             return s.file_offset == kUnmapped || file_->IsHole(s.file_offset, s.length);
           });
  }

  // Mapped segments less the holes the file has in them (tools leave the zeros of allocated
  // blocks as holes), at disk offsets.
  std::vector<DataExtent> DataExtents(uint64_t offset, uint64_t length) const override {
    if (!RangeInside(offset, length, size_)) {
      return {{offset, length}};
    }
    Result<std::vector<Segment>> segments = SegmentsOf(offset, length);
    if (!segments.ok()) {
      return {{offset, length}};  // unknown: a read will tell
    }
    std::vector<DataExtent> extents;
    for (const Segment& s : *segments) {
      if (s.file_offset == kUnmapped) {
        continue;
      }
      for (const DataExtent& e : file_->DataExtents(s.file_offset, s.length)) {
        AppendExtent(extents, s.disk_offset + (e.offset - s.file_offset), e.length);
      }
    }
    return extents;
  }

 private:
  static constexpr uint64_t kUnmapped = UINT64_MAX;

  // A run of the disk that is either unmapped (reads as zeros: an unallocated block or sectors
  // whose bitmap bit is 0) or stored contiguously at `file_offset`.
  struct Segment {
    uint64_t disk_offset;
    uint64_t length;
    uint64_t file_offset;
  };

  // The segments covering [offset, offset + length) (inside the disk) in order, adjacent
  // sectors of the same kind merged. Reads the sector bitmaps of the allocated blocks touched.
  Result<std::vector<Segment>> SegmentsOf(uint64_t offset, uint64_t length) const {
    std::vector<Segment> segments;
    const uint64_t end = offset + length;
    uint64_t pos = offset;
    std::vector<uint8_t> bitmap;
    while (pos < end) {
      const uint64_t block = pos / block_size_;
      const uint64_t block_start = block * block_size_;
      const uint64_t piece_end = std::min(end, block_start + block_size_);
      const uint32_t entry = bat_[block];
      if (entry == kVhdUnallocated) {
        segments.push_back({pos, piece_end - pos, kUnmapped});
        pos = piece_end;
        continue;
      }
      const uint64_t bitmap_offset = uint64_t{entry} * kSector;
      const uint64_t data_offset = bitmap_offset + bitmap_bytes_;
      // The bitmap bytes covering the sectors of [pos, piece_end).
      const uint64_t first_sector = (pos - block_start) / kSector;
      const uint64_t last_sector = (piece_end - 1 - block_start) / kSector;
      const uint64_t first_byte = first_sector / 8;
      bitmap.resize(last_sector / 8 - first_byte + 1);
      GALLERY_RETURN_IF_ERROR(file_->ReadAt(bitmap_offset + first_byte, bitmap));
      auto present = [&](uint64_t sector) {
        return (bitmap[sector / 8 - first_byte] >> (7 - sector % 8) & 1) != 0;
      };
      uint64_t sector = first_sector;
      while (pos < piece_end) {
        const bool mapped = present(sector);
        uint64_t next = sector + 1;
        while (next <= last_sector && present(next) == mapped) {
          ++next;
        }
        const uint64_t run_end = std::min(piece_end, block_start + next * kSector);
        segments.push_back(
            {pos, run_end - pos, mapped ? data_offset + (pos - block_start) : kUnmapped});
        pos = run_end;
        sector = next;
      }
    }
    return segments;
  }

  std::unique_ptr<ImageSource> file_;
  uint64_t size_;
  uint32_t block_size_;
  uint64_t bitmap_bytes_;
  std::vector<uint32_t> bat_;
};

// Names of the footer's fields by byte offset, for saying where two footers differ.
std::string_view FooterFieldAt(size_t byte) {
  struct Field {
    size_t end;
    std::string_view name;
  };
  static constexpr Field kFields[] = {
      {8, "cookie"},           {12, "features"},        {16, "file format version"},
      {24, "data offset"},     {28, "timestamp"},       {32, "creator application"},
      {36, "creator version"}, {40, "creator host OS"}, {48, "original size"},
      {56, "current size"},    {60, "disk geometry"},   {64, "disk type"},
      {68, "checksum"},        {84, "unique id"},       {85, "saved state"},
      {512, "reserved"},
  };
  for (const Field& f : kFields) {
    if (byte < f.end) {
      return f.name;
    }
  }
  return "reserved";
}

// A half-open byte range of the file, named for messages.
struct Extent {
  uint64_t begin;
  uint64_t end;
  std::string_view name;
};

std::string Describe(const Extent& e) {
  return std::string(e.name) + " [" + Num(e.begin) + ", " + Num(e.end) + ")";
}

// Everything a dynamic VHD's structures must satisfy; returns the BAT.
class DynamicVhdValidator {
 public:
  DynamicVhdValidator(const ImageSource& file, uint64_t length, const VhdFooter& footer,
                      std::span<const uint8_t> head, std::span<const uint8_t> tail)
      : file_(file), data_end_(length - kFooterSize), footer_(footer), head_(head), tail_(tail) {}

  // The parsed dynamic header; refuses a header outside the file or malformed.
  Result<VhdDynamicHeader> ReadHeader() const {
    const uint64_t at = footer_.data_offset;
    if (at < kFooterSize || at > data_end_ || data_end_ - at < kVhdDynamicHeaderSize) {
      return InvalidVhd("VHD footer data offset is " + Num(at) +
                        ", expected the 1024-byte dynamic header inside the VHD data [512, " +
                        Num(data_end_) + ") (is the upload truncated?)");
    }
    std::array<uint8_t, kVhdDynamicHeaderSize> bytes{};
    GALLERY_RETURN_IF_ERROR(file_.ReadAt(at, bytes));
    return ParseVhdDynamicHeader(bytes);
  }

  Status CheckFooterCopy() const {
    if (head_.size() < kFooterSize ||
        std::memcmp(head_.data(), kVhdFooterCookie.data(), kVhdFooterCookie.size()) != 0) {
      return InvalidVhd(
          "A dynamic VHD starts with a copy of its footer, but offset 0 of the upload holds "
          "none (cookie is not 'conectix')");
    }
    for (size_t i = 0; i < kFooterSize; ++i) {
      if (head_[i] != tail_[i]) {
        return InvalidVhd(
            "The VHD footer copy at offset 0 differs from the footer in the last "
            "512 bytes, in field '" +
            std::string(FooterFieldAt(i)) + "' (byte " + Num(i) + ")");
      }
    }
    return Status::Ok();
  }

  Result<std::vector<uint32_t>> ReadBat(const VhdDynamicHeader& h) const {
    const uint64_t block_size = h.block_size;
    const uint64_t needed = (footer_.current_size + block_size - 1) / block_size;
    if (h.max_table_entries < needed) {
      return InvalidVhd("VHD dynamic header max table entries is " + Num(h.max_table_entries) +
                        ", too few for the current size " + Num(footer_.current_size) + " with " +
                        Num(block_size) + "-byte blocks (expected at least " + Num(needed) + ")");
    }
    if (uint64_t{h.max_table_entries} * block_size > kMaxDiskImageSize) {
      return InvalidVhd("VHD dynamic header max table entries is " + Num(h.max_table_entries) +
                        ": with " + Num(block_size) +
                        "-byte blocks that addresses more than the largest disk (" +
                        Num(kMaxDiskImageSize) + " bytes); expected " + Num(needed) +
                        " for the current size " + Num(footer_.current_size));
    }
    const uint64_t bat_bytes = uint64_t{h.max_table_entries} * sizeof(uint32_t);
    if (h.table_offset < kFooterSize || h.table_offset > data_end_ ||
        data_end_ - h.table_offset < bat_bytes) {
      return InvalidVhd("VHD block allocation table (" + Num(h.max_table_entries) + " entries, " +
                        Num(bat_bytes) + " bytes at table offset " + Num(h.table_offset) +
                        ") is larger than the file: expected it inside the VHD data [512, " +
                        Num(data_end_) + ") (is the upload truncated?)");
    }
    std::vector<uint32_t> bat(h.max_table_entries);
    GALLERY_RETURN_IF_ERROR(file_.ReadAt(
        h.table_offset, {reinterpret_cast<uint8_t*>(bat.data()), static_cast<size_t>(bat_bytes)}));
    if constexpr (std::endian::native == std::endian::little) {
      for (uint32_t& e : bat) {
        e = __builtin_bswap32(e);
      }
    }
    GALLERY_RETURN_IF_ERROR(CheckBlocks(h, bat));
    return bat;
  }

 private:
  // Every allocated block (bitmap + data) lies in the VHD data, clear of the footer copy, the
  // dynamic header, the BAT and every other block.
  Status CheckBlocks(const VhdDynamicHeader& h, const std::vector<uint32_t>& bat) const {
    const uint64_t block_bytes = VhdBitmapBytes(h.block_size) + h.block_size;
    const Extent metadata[] = {
        {0, kFooterSize, "the footer copy"},
        {footer_.data_offset, footer_.data_offset + kVhdDynamicHeaderSize, "the dynamic header"},
        {h.table_offset, h.table_offset + uint64_t{h.max_table_entries} * sizeof(uint32_t),
         "the block allocation table"},
    };
    std::vector<uint32_t> starts;
    for (size_t i = 0; i < bat.size(); ++i) {
      if (bat[i] == kVhdUnallocated) {
        continue;
      }
      const Extent block{uint64_t{bat[i]} * kSector, uint64_t{bat[i]} * kSector + block_bytes,
                         "block"};
      if (block.end > data_end_) {
        return InvalidVhd("VHD block allocation table entry " + Num(i) + " is sector " +
                          Num(bat[i]) + ": its block [" + Num(block.begin) + ", " + Num(block.end) +
                          ") lies outside the VHD data [0, " + Num(data_end_) + ")");
      }
      for (const Extent& m : metadata) {
        if (block.begin < m.end && m.begin < block.end) {
          return InvalidVhd("VHD block allocation table entry " + Num(i) + " is sector " +
                            Num(bat[i]) + ": its block [" + Num(block.begin) + ", " +
                            Num(block.end) + ") overlaps " + Describe(m));
        }
      }
      starts.push_back(bat[i]);
    }
    std::sort(starts.begin(), starts.end());
    const uint64_t block_sectors = block_bytes / kSector;
    for (size_t k = 1; k < starts.size(); ++k) {
      if (starts[k] - starts[k - 1] < block_sectors) {
        return OverlapError(bat, starts[k - 1], starts[k]);
      }
    }
    return Status::Ok();
  }

  // The message naming the two entries whose blocks start at sectors `a` <= `b` and overlap.
  static Status OverlapError(const std::vector<uint32_t>& bat, uint32_t a, uint32_t b) {
    size_t first = 0;
    while (bat[first] != a) {
      ++first;
    }
    size_t second = 0;
    while (bat[second] != b || second == first) {
      ++second;
    }
    return InvalidVhd("VHD block allocation table entries " + Num(first) + " and " + Num(second) +
                      " point to overlapping blocks (sectors " + Num(a) + " and " + Num(b) +
                      "); expected each block stored once");
  }

  const ImageSource& file_;
  uint64_t data_end_;
  const VhdFooter& footer_;
  std::span<const uint8_t> head_;
  std::span<const uint8_t> tail_;
};

// Checks the footer's sizes against the upload's length (kVhdFile: a dynamic VHD's length is
// whatever its blocks take).
Status CheckSizes(const VhdFooter& footer, uint64_t length, DeclaredFormat declared) {
  const bool any_length =
      declared == DeclaredFormat::kVhdFile && footer.type() == VhdDiskType::kDynamic;
  if (!any_length && length % kDiskSizeAlignment != kFooterSize) {
    return InvalidVhd("The upload is " + Num(length) +
                      " bytes, expected a whole number of MiB plus the 512-byte VHD footer "
                      "(n x 1048576 + 512 bytes)");
  }
  const uint64_t size = footer.current_size;
  if (size == 0) {
    return InvalidVhd("VHD footer current size is 0 bytes, expected at least 1 MiB");
  }
  if (size > kMaxDiskImageSize) {
    return InvalidVhd("VHD footer current size is " + Num(size) +
                      " bytes, above the largest disk accepted (" + Num(kMaxDiskImageSize) +
                      " bytes, 4 TiB)");
  }
  if (size % kDiskSizeAlignment != 0) {
    return InvalidVhd("VHD footer current size is " + Num(size) +
                      " bytes, expected a multiple of 1 MiB (1048576 bytes)");
  }
  if (footer.type() == VhdDiskType::kFixed && size != length - kFooterSize) {
    return InvalidVhd("VHD footer current size is " + Num(size) +
                      " bytes, expected the upload size less the footer, " +
                      Num(length - kFooterSize) + " bytes, for a fixed VHD" +
                      (size > length - kFooterSize ? " (is the upload truncated?)" : ""));
  }
  return Status::Ok();
}

// The message refusing a differencing disk, naming its parent when the header says it.
Status RefuseDifferencing(std::string_view parent) {
  std::string message = FormatRefusal(ImageFormat::kVhdDifferencing);
  if (!parent.empty()) {
    message += " (its parent is '" + std::string(parent) + "')";
  }
  return Unsupported(std::move(message));
}

Result<std::unique_ptr<VirtualDisk>> OpenVhd(std::unique_ptr<ImageSource> file, uint64_t length,
                                             DeclaredFormat declared, DiskImageInfo& info) {
  if (length < kFooterSize) {
    return InvalidVhd("The upload is " + Num(length) +
                      " bytes, too short for a VHD, which ends with a 512-byte footer "
                      "(is the upload truncated?)");
  }
  std::vector<uint8_t> head(std::min<uint64_t>(length, kSniffHeadBytes));
  std::array<uint8_t, kFooterSize> tail{};
  GALLERY_RETURN_IF_ERROR(file->ReadAt(0, head));
  GALLERY_RETURN_IF_ERROR(file->ReadAt(length - kFooterSize, tail));
  info.format = SniffFormat(head, tail);
  switch (info.format) {
    case ImageFormat::kVhdx:
    case ImageFormat::kQcow2:
    case ImageFormat::kVmdk:
      return Unsupported(FormatRefusal(info.format));
    default:
      break;
  }
  Result<VhdFooter> parsed = ParseVhdFooter(tail);
  if (!parsed.ok()) {
    if (info.format != ImageFormat::kUnknown) {
      return Prefixed(parsed.status(),
                      "The last 512 bytes of the upload are not a valid VHD "
                      "footer: ");
    }
    std::string message =
        FormatRefusal(ImageFormat::kUnknown) + " (" + parsed.status().message() + ")";
    if (std::memcmp(head.data(), kVhdFooterCookie.data(),
                    std::min(head.size(), kVhdFooterCookie.size())) == 0) {
      message +=
          ". The upload starts with a VHD footer copy: a dynamic VHD must also end with "
          "its footer, in the last 512 bytes of the upload";
    }
    return InvalidVhd(std::move(message));
  }
  const VhdFooter& footer = *parsed;
  info.footer = footer;
  const VhdDiskType type = footer.type();
  GALLERY_RETURN_IF_ERROR(CheckVhdDiskType(footer));
  GALLERY_RETURN_IF_ERROR(CheckVhdFooterFields(footer));
  DynamicVhdValidator validator(*file, length, footer, head, tail);
  if (type == VhdDiskType::kDifferencing) {
    Result<VhdDynamicHeader> header = validator.ReadHeader();
    return RefuseDifferencing(header.ok() ? header->ParentNameUtf8() : "");
  }
  GALLERY_RETURN_IF_ERROR(CheckSizes(footer, length, declared));
  info.virtual_size = footer.current_size;
  if (type == VhdDiskType::kFixed) {
    return std::unique_ptr<VirtualDisk>(
        std::make_unique<FlatDisk>(std::move(file), footer.current_size));
  }
  GALLERY_RETURN_IF_ERROR(validator.CheckFooterCopy());
  GALLERY_ASSIGN_OR_RETURN(VhdDynamicHeader header, validator.ReadHeader());
  if (header.HasParent()) {
    info.format = ImageFormat::kVhdDifferencing;
    return RefuseDifferencing(header.ParentNameUtf8());
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<uint32_t> bat, validator.ReadBat(header));
  return std::unique_ptr<VirtualDisk>(std::make_unique<DynamicVhdDisk>(
      std::move(file), footer.current_size, header.block_size, std::move(bat)));
}

Result<std::unique_ptr<VirtualDisk>> OpenRaw(std::unique_ptr<ImageSource> file, uint64_t length,
                                             DiskImageInfo& info) {
  if (length == 0 || length % kSector != 0 || length > kMaxDiskImageSize) {
    return Status::InvalidArgument("The raw disk is " + Num(length) +
                                   " bytes, expected a non-zero multiple of 512 bytes up to " +
                                   Num(kMaxDiskImageSize));
  }
  std::vector<uint8_t> head(std::min<uint64_t>(length, kSniffHeadBytes));
  std::array<uint8_t, kFooterSize> tail{};
  GALLERY_RETURN_IF_ERROR(file->ReadAt(0, head));
  GALLERY_RETURN_IF_ERROR(file->ReadAt(length - kFooterSize, tail));
  const ImageFormat sniffed = SniffFormat(head, tail);
  if (sniffed != ImageFormat::kUnknown) {
    info.format = sniffed;
    std::string message =
        "The disk was declared raw but is a " + std::string(ImageFormatName(sniffed)) + " image. ";
    message += IsAcceptedVhd(sniffed) ? "Upload it as a VHD." : FormatRefusal(sniffed);
    return Unsupported(std::move(message));
  }
  info.format = ImageFormat::kRaw;
  info.virtual_size = length;
  return std::unique_ptr<VirtualDisk>(std::make_unique<FlatDisk>(std::move(file), length));
}

}  // namespace

Result<std::unique_ptr<VirtualDisk>> OpenDiskImage(std::unique_ptr<ImageSource> source,
                                                   uint64_t length, DeclaredFormat declared,
                                                   DiskImageInfo* info) {
  DiskImageInfo local;
  DiskImageInfo& out = info != nullptr ? *info : local;
  out = DiskImageInfo{};
  if (declared == DeclaredFormat::kRaw) {
    return OpenRaw(std::move(source), length, out);
  }
  return OpenVhd(std::move(source), length, declared, out);
}

Result<std::unique_ptr<VirtualDisk>> OpenDiskImage(const std::string& path, uint64_t length,
                                                   DeclaredFormat declared, DiskImageInfo* info) {
  if (info != nullptr) {
    *info = DiskImageInfo{};
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<ImageSource> source, OpenImageFile(path, length));
  return OpenDiskImage(std::move(source), length, declared, info);
}

}  // namespace gallery::storage
