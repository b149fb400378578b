#include "cli/disk_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/file_io.h"
#include "storage/disk_image.h"
#include "storage/ingest.h"
#include "storage/posix_io.h"

namespace gallery::cli {

namespace {

using storage::ImageFormat;

constexpr uint64_t kFooterBytes = storage::kVhdFooterSize;
// The unit of reads and zero checks: the server's chunk size (see UploadPieces).
constexpr uint64_t kBlock = storage::kDefaultChunkSize;
// The smallest disk ARM accepts for upload (domain/disk_rules.h: kMinUploadDiskBytes).
constexpr uint64_t kMinRawDiskBytes = uint64_t{20} << 20;

uint64_t RoundUp(uint64_t value, uint64_t unit) { return (value + unit - 1) / unit * unit; }

Status Refuse(std::string_view reason, std::string message) {
  return Status::InvalidArgument(std::move(message)).WithReason(std::string(reason));
}

Status RefuseDynamicSize(uint64_t size) {
  const uint64_t whole = RoundUp(size, kMiB);
  return Refuse(
      storage::kInvalidVhdReason,
      "The dynamic VHD's disk is " + std::to_string(size) +
          " bytes (its footer's current size), not a whole number of MiB (1048576 bytes) as an "
          "upload needs. Make it " +
          std::to_string(whole) +
          " bytes with: qemu-img convert -f vpc -O raw disk.vhd disk.raw && qemu-img resize -f "
          "raw disk.raw " +
          std::to_string(whole) +
          " && qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on disk.raw "
          "fixed.vhd (or upload disk.raw with --format raw, which pads it to whole MiB)");
}

Result<UploadLayout> PlanVhd(uint64_t file_size, std::span<const uint8_t> tail, ImageFormat format,
                             TimestampMs now, const storage::VhdUniqueId& unique_id) {
  std::span<const uint8_t, kFooterBytes> footer_bytes(tail.data(), kFooterBytes);
  GALLERY_ASSIGN_OR_RETURN(storage::VhdFooter footer, storage::ParseVhdFooter(footer_bytes));
  GALLERY_RETURN_IF_ERROR(storage::CheckVhdFooterFields(footer));
  UploadLayout layout;
  layout.format = format;
  if (format == ImageFormat::kVhdDynamic) {
    // Sent as the fixed VHD it stands for: the disk's bytes, then its footer turned fixed.
    const uint64_t size = footer.current_size;
    if (size == 0 || size % kMiB != 0) {
      return RefuseDynamicSize(size);
    }
    layout.data_bytes = size;
    layout.upload_size = size + kFooterBytes;
    layout.footer = storage::VhdFooterBytes(storage::FixedFooterFor(size, footer, now, unique_id));
    return layout;
  }
  layout.footer.assign(tail.begin(), tail.end());
  layout.data_bytes = file_size - kFooterBytes;
  uint64_t data = layout.data_bytes;
  if (data == 0 || data % kMiB != 0 || footer.current_size != data) {
    return Refuse(storage::kInvalidVhdReason,
                  "The fixed VHD holds " + std::to_string(data) +
                      " bytes of disk and its footer says " + std::to_string(footer.current_size) +
                      "; an upload needs both equal to a whole number of MiB. Convert the raw "
                      "disk with: qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "
                      "disk.raw disk.vhd (or upload the raw disk with --format raw)");
  }
  layout.upload_size = file_size;
  return layout;
}

// The refusal of a file that is a VHD of an unknown disk type, or a dynamic VHD whose end is
// missing: its footer copy opens the file but no footer ends it. OK for any other file.
Status CheckDamagedVhd(std::span<const uint8_t> head, std::span<const uint8_t> tail) {
  Result<storage::VhdFooter> footer =
      storage::ParseVhdFooter(std::span<const uint8_t, kFooterBytes>(tail.data(), kFooterBytes));
  if (footer.ok()) {
    return storage::CheckVhdDiskType(*footer);
  }
  Result<storage::VhdFooter> copy =
      head.size() >= kFooterBytes ? storage::ParseVhdFooter(std::span<const uint8_t, kFooterBytes>(
                                        head.data(), kFooterBytes))
                                  : Result<storage::VhdFooter>(Status::InvalidArgument("short"));
  if (copy.ok()) {
    return Refuse(storage::kInvalidVhdReason,
                  "The file is a truncated VHD: it starts with a VHD footer copy (a dynamic VHD "
                  "of " +
                      std::to_string(copy->current_size) +
                      " bytes) but its last 512 bytes hold no VHD footer (" +
                      footer.status().message() + "); was the file cut short while copied?");
  }
  return Status::Ok();
}

Result<UploadLayout> PlanRaw(uint64_t file_size, ImageFormat sniffed, TimestampMs now,
                             const storage::VhdUniqueId& unique_id) {
  if (sniffed != ImageFormat::kUnknown) {
    return Refuse(storage::kUnsupportedFormatReason,
                  "The file is a " + std::string(storage::ImageFormatName(sniffed)) +
                      " image, not a raw disk; " +
                      (storage::IsAcceptedVhd(sniffed) ? std::string("upload it with --format vhd")
                                                       : storage::FormatRefusal(sniffed)));
  }
  UploadLayout layout;
  layout.format = ImageFormat::kRaw;
  layout.data_bytes = file_size;
  // Whole MiB, and at least the smallest disk an upload may create (a small file's disk would
  // otherwise be refused as an invalid uploadSizeBytes the user never gave).
  uint64_t disk_size = std::max(RoundUp(file_size, kMiB), kMinRawDiskBytes);
  layout.upload_size = disk_size + kFooterBytes;
  layout.footer =
      storage::VhdFooterBytes(storage::FixedFooterFor(disk_size, std::nullopt, now, unique_id));
  return layout;
}

// The file's first `size` bytes as the disk (a fixed VHD's data, a raw file): positioned reads,
// holes found with SEEK_DATA and SEEK_HOLE. Owns the descriptor.
class FileDisk final : public storage::VirtualDisk {
 public:
  FileDisk(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~FileDisk() override { ::close(fd_); }
  FileDisk(const FileDisk&) = delete;
  FileDisk& operator=(const FileDisk&) = delete;

  uint64_t size() const override { return size_; }

  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    if (out.size() > size_ || offset > size_ - out.size()) {
      return Status::InvalidArgument("Read of " + std::to_string(out.size()) + " bytes at " +
                                     std::to_string(offset) + " leaves the " +
                                     std::to_string(size_) + " bytes of " + path_);
    }
    return ReadExactly(fd_, path_, offset,
                       std::span<char>(reinterpret_cast<char*>(out.data()), out.size()));
  }

  // The range is a hole when the next data starts at or after its end.
  bool KnownZero(uint64_t offset, uint64_t length) const override {
    if (length > size_ || offset > size_ - length) {
      return false;
    }
    return storage::IsFileHole(fd_, offset, length);
  }

  std::vector<storage::DataExtent> DataExtents(uint64_t offset, uint64_t length) const override {
    if (length > size_ || offset > size_ - length) {
      return {{offset, length}};
    }
    return storage::FileDataExtents(fd_, offset, length);
  }

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
};

// The virtual disk of the dynamic VHD file at `path` (`file_size` bytes), whose footer says
// `disk_size`; the structures are validated before any read (storage::OpenDiskImage).
Result<std::unique_ptr<storage::VirtualDisk>> OpenDynamicVhd(const std::string& path,
                                                             uint64_t file_size,
                                                             uint64_t disk_size) {
  Result<std::unique_ptr<storage::VirtualDisk>> disk =
      storage::OpenDiskImage(path, file_size, storage::DeclaredFormat::kVhdFile, nullptr);
  if (!disk.ok()) {
    const Status& s = disk.status();
    return Status(s.code(), path + ": " + s.message(), s.target()).WithReason(s.reason());
  }
  if ((*disk)->size() != disk_size) {
    return Status::Unavailable(path + " changed while it was opened");
  }
  return disk;
}

// Writes the blocks of `bytes` (blob bytes at `offset`) that are not all zeros, a run of
// adjacent ones per PutPages; returns how many bytes went over the network. A part sent whole
// goes where it is: the worker's next Read refills the same buffer.
Result<uint64_t> SendNonZeroBlocks(PageBlobClient& blob, uint64_t offset, std::string& bytes) {
  std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) in `bytes`
  for (size_t at = 0; at < bytes.size(); at += kBlock) {
    const size_t end = std::min<size_t>(bytes.size(), at + kBlock);
    if (IsAllZero(std::string_view(bytes).substr(at, end - at))) {
      continue;
    }
    if (!runs.empty() && runs.back().second == at) {
      runs.back().second = end;
    } else {
      runs.emplace_back(at, end);
    }
  }
  if (runs.size() == 1 && runs[0].first == 0 && runs[0].second == bytes.size()) {
    GALLERY_RETURN_IF_ERROR(blob.PutPagesInPlace(offset, bytes));
    return uint64_t{bytes.size()};
  }
  uint64_t sent = 0;
  for (const auto& [begin, end] : runs) {
    GALLERY_RETURN_IF_ERROR(blob.PutPages(offset + begin, bytes.substr(begin, end - begin)));
    sent += end - begin;
  }
  return sent;
}

}  // namespace

Result<UploadLayout> PlanLayout(uint64_t file_size, std::span<const uint8_t> head,
                                std::span<const uint8_t> tail, UploadFormat format, TimestampMs now,
                                const storage::VhdUniqueId& unique_id) {
  if (file_size == 0) {
    return Refuse(storage::kUnsupportedFormatReason,
                  "The file is empty: there is no disk to upload");
  }
  ImageFormat sniffed = storage::SniffFormat(head, tail);
  if (format == UploadFormat::kRaw) {
    return PlanRaw(file_size, sniffed, now, unique_id);
  }
  if (sniffed == ImageFormat::kUnknown && tail.size() == kFooterBytes) {
    GALLERY_RETURN_IF_ERROR(CheckDamagedVhd(head, tail));
  }
  if (!storage::IsAcceptedVhd(sniffed) || tail.size() < kFooterBytes) {
    std::string message = storage::FormatRefusal(sniffed);
    if (sniffed == ImageFormat::kUnknown) {
      message += message.empty() || message.back() == '.' ? " " : ". ";
      message += "To upload the file's bytes as a raw disk, use --format raw.";
    }
    return Refuse(storage::kUnsupportedFormatReason, std::move(message));
  }
  return PlanVhd(file_size, tail, sniffed, now, unique_id);
}

UploadSource::UploadSource(std::unique_ptr<storage::VirtualDisk> disk, UploadLayout layout)
    : disk_(std::move(disk)), layout_(std::move(layout)) {}

UploadSource::~UploadSource() = default;

Result<std::unique_ptr<UploadSource>> UploadSource::Open(const std::string& path,
                                                         UploadFormat format, TimestampMs now,
                                                         const storage::VhdUniqueId& unique_id) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return FileError(path, "open");
  }
  // Owns fd until the file disk does.
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { ::close(*f); });
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return FileError(path, "inspect");
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + " is not a regular file");
  }
  auto size = static_cast<uint64_t>(st.st_size);
  std::string head(std::min<uint64_t>(size, storage::kSniffHeadBytes), '\0');
  std::string tail(std::min<uint64_t>(size, kFooterBytes), '\0');
  GALLERY_RETURN_IF_ERROR(ReadExactly(fd, path, 0, head));
  GALLERY_RETURN_IF_ERROR(ReadExactly(fd, path, size - tail.size(), tail));
  auto bytes = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  GALLERY_ASSIGN_OR_RETURN(UploadLayout layout,
                           PlanLayout(size, bytes(head), bytes(tail), format, now, unique_id));
  std::unique_ptr<storage::VirtualDisk> disk;
  if (layout.format == ImageFormat::kVhdDynamic) {
    GALLERY_ASSIGN_OR_RETURN(disk, OpenDynamicVhd(path, size, layout.data_bytes));
  } else {
    guard.release();
    disk = std::make_unique<FileDisk>(fd, path, layout.data_bytes);
  }
  return std::unique_ptr<UploadSource>(new UploadSource(std::move(disk), std::move(layout)));
}

std::vector<Piece> UploadSource::DataParts(const Piece& piece) const {
  const uint64_t end = piece.offset + piece.length;
  const uint64_t footer_start = layout_.upload_size - kFooterBytes;
  std::vector<Piece> parts;
  if (piece.offset < layout_.data_bytes) {
    const uint64_t n = std::min(end, layout_.data_bytes) - piece.offset;
    for (const storage::DataExtent& e : disk_->DataExtents(piece.offset, n)) {
      parts.push_back({e.offset, e.length});
    }
  }
  if (end > footer_start) {
    const uint64_t from = std::max(piece.offset, footer_start);
    if (!parts.empty() && parts.back().offset + parts.back().length == from) {
      parts.back().length += end - from;
    } else {
      parts.push_back({from, end - from});
    }
  }
  return parts;
}

Status UploadSource::Read(const Piece& piece, std::string& out) const {
  // A buffer of the right size is reused as it is: every byte is written below.
  out.resize(piece.length);
  uint64_t end = piece.offset + piece.length;
  uint64_t n = 0;  // bytes of the disk's data part
  if (piece.offset < layout_.data_bytes) {
    n = std::min(end, layout_.data_bytes) - piece.offset;
    GALLERY_RETURN_IF_ERROR(
        disk_->ReadAt(piece.offset, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), n)));
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), '\0');  // padding
  uint64_t footer_start = layout_.upload_size - kFooterBytes;
  if (end > footer_start) {
    // Footer bytes [from, to) fall in the piece at piece offset `at`.
    uint64_t from = piece.offset > footer_start ? piece.offset - footer_start : 0;
    uint64_t at = footer_start + from - piece.offset;
    std::copy_n(layout_.footer.begin() + from, std::min(kFooterBytes - from, piece.length - at),
                out.begin() + at);
  }
  return Status::Ok();
}

Result<TransferStats> UploadPieces(const UploadSource& source, const std::vector<Piece>& pieces,
                                   const TransferOptions& options) {
  return RunPieces(
      pieces, options,
      [&source](PageBlobClient& blob, const Piece& piece, std::string& buffer) -> Result<uint64_t> {
        // Only the parts that may hold data are read (not a sparse file's holes), in whole
        // blocks of the server's chunk size: pieces start on its multiples, so every write
        // covers whole chunks, which the server hashes and stores as they arrive.
        uint64_t sent = 0;
        for (const Piece& part : RoundOutParts(source.DataParts(piece), kBlock, piece)) {
          GALLERY_RETURN_IF_ERROR(source.Read(part, buffer));
          GALLERY_ASSIGN_OR_RETURN(uint64_t n, SendNonZeroBlocks(blob, part.offset, buffer));
          sent += n;
        }
        return sent;
      });
}

storage::VhdUniqueId NewVhdUniqueId(Random& random) {
  std::string bytes = random.Bytes(sizeof(storage::VhdUniqueId));
  storage::VhdUniqueId id{};
  std::copy_n(bytes.begin(), id.size(), id.begin());
  return id;
}

}  // namespace gallery::cli
