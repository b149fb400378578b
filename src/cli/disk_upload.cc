#include "cli/disk_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/file_io.h"

namespace gallery::cli {

namespace {

using storage::ImageFormat;

constexpr uint64_t kFooterBytes = storage::kVhdFooterSize;

uint64_t RoundUp(uint64_t value, uint64_t unit) { return (value + unit - 1) / unit * unit; }

Status Refuse(std::string_view reason, std::string message) {
  return Status::InvalidArgument(std::move(message)).WithReason(std::string(reason));
}

std::string FooterBytes(const storage::VhdFooter& footer) {
  std::array<uint8_t, kFooterBytes> bytes = storage::SerializeVhdFooter(footer);
  return std::string(bytes.begin(), bytes.end());
}

Result<UploadLayout> PlanVhd(uint64_t file_size, std::span<const uint8_t> tail,
                             ImageFormat format) {
  std::span<const uint8_t, kFooterBytes> footer_bytes(tail.data(), kFooterBytes);
  GALLERY_ASSIGN_OR_RETURN(storage::VhdFooter footer, storage::ParseVhdFooter(footer_bytes));
  UploadLayout layout;
  layout.format = format;
  layout.footer.assign(tail.begin(), tail.end());
  layout.file_bytes = file_size - kFooterBytes;
  if (format == ImageFormat::kVhdDynamic) {
    layout.upload_size = std::max(RoundUp(file_size, kMiB), kMinUploadDataBytes) + kFooterBytes;
    return layout;
  }
  uint64_t data = layout.file_bytes;
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
  layout.file_bytes = file_size;
  uint64_t disk_size = RoundUp(file_size, kMiB);
  layout.upload_size = disk_size + kFooterBytes;
  layout.footer = FooterBytes(storage::FixedFooterFor(disk_size, std::nullopt, now, unique_id));
  return layout;
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
  if (!storage::IsAcceptedVhd(sniffed) || tail.size() < kFooterBytes) {
    std::string message = storage::FormatRefusal(sniffed);
    if (sniffed == ImageFormat::kUnknown) {
      message += message.empty() || message.back() == '.' ? " " : ". ";
      message += "To upload the file's bytes as a raw disk, use --format raw.";
    }
    return Refuse(storage::kUnsupportedFormatReason, std::move(message));
  }
  return PlanVhd(file_size, tail, sniffed);
}

UploadSource::UploadSource(int fd, std::string path, UploadLayout layout)
    : fd_(fd), path_(std::move(path)), layout_(std::move(layout)) {}

UploadSource::~UploadSource() { ::close(fd_); }

Result<std::unique_ptr<UploadSource>> UploadSource::Open(const std::string& path,
                                                         UploadFormat format, TimestampMs now,
                                                         const storage::VhdUniqueId& unique_id) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return FileError(path, "open");
  }
  // Owns fd until the source does.
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
  guard.release();
  return std::unique_ptr<UploadSource>(new UploadSource(fd, path, std::move(layout)));
}

bool UploadSource::KnownZero(const Piece& piece) const {
  uint64_t end = piece.offset + piece.length;
  if (end > layout_.upload_size - kFooterBytes) {
    return false;  // holds (part of) the footer
  }
  if (piece.offset >= layout_.file_bytes) {
    return true;  // padding
  }
  // The file's part of the piece is a hole when the next data starts at or after its end.
  off_t data = ::lseek(fd_, static_cast<off_t>(piece.offset), SEEK_DATA);
  uint64_t file_end = std::min(end, layout_.file_bytes);
  if (data < 0) {
    return errno == ENXIO;  // no data after offset; other errors: unknown, read it
  }
  return static_cast<uint64_t>(data) >= file_end;
}

Status UploadSource::Read(const Piece& piece, std::string& out) const {
  out.assign(piece.length, '\0');
  uint64_t end = piece.offset + piece.length;
  if (piece.offset < layout_.file_bytes) {
    uint64_t n = std::min(end, layout_.file_bytes) - piece.offset;
    GALLERY_RETURN_IF_ERROR(ReadExactly(fd_, path_, piece.offset, std::span<char>(out.data(), n)));
  }
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
      [&source](PageBlobClient& blob, const Piece& piece, std::string& buffer) -> Result<bool> {
        if (source.KnownZero(piece)) {
          return false;
        }
        GALLERY_RETURN_IF_ERROR(source.Read(piece, buffer));
        if (IsAllZero(buffer)) {
          return false;
        }
        // Moved: the request owns the bytes; Read refills the buffer for the next piece.
        GALLERY_RETURN_IF_ERROR(blob.PutPages(piece.offset, std::move(buffer)));
        return true;
      });
}

storage::VhdUniqueId NewVhdUniqueId(Random& random) {
  std::string bytes = random.Bytes(sizeof(storage::VhdUniqueId));
  storage::VhdUniqueId id{};
  std::copy_n(bytes.begin(), id.size(), id.begin());
  return id;
}

}  // namespace gallery::cli
