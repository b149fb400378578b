#include "storage/disk_export.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/resource_id.h"

namespace gallery::storage {

Result<ExportFormat> ParseExportFormat(std::string_view text) {
  if (EqualsIgnoreCase(text, "raw")) {
    return ExportFormat::kRaw;
  }
  if (EqualsIgnoreCase(text, "vhd")) {
    return ExportFormat::kVhd;
  }
  return Status::InvalidArgument(
             "Export format '" + std::string(text) + "' is not supported; expected 'vhd' or 'raw'",
             "format")
      .WithReason("InvalidParameter");
}

std::string_view ExportFormatName(ExportFormat format) {
  return format == ExportFormat::kVhd ? "vhd" : "raw";
}

uint64_t ExportedSize(ExportFormat format, uint64_t virtual_size) {
  return format == ExportFormat::kVhd ? virtual_size + kVhdFooterSize : virtual_size;
}

Status ReadExport(const VirtualDisk& disk, ExportFormat format,
                  const std::array<uint8_t, kVhdFooterSize>& footer, uint64_t offset,
                  std::span<uint8_t> out) {
  const uint64_t disk_size = disk.size();
  const uint64_t total = ExportedSize(format, disk_size);
  if (out.size() > total || offset > total - out.size()) {
    return Status::InvalidArgument("Range of " + std::to_string(out.size()) + " bytes at offset " +
                                   std::to_string(offset) + " leaves the exported disk of " +
                                   std::to_string(total) + " bytes");
  }
  // The part of the window on the disk, then the part on the footer (kVhd only).
  const size_t on_disk =
      offset >= disk_size ? 0
                          : static_cast<size_t>(std::min<uint64_t>(out.size(), disk_size - offset));
  if (on_disk > 0) {
    GALLERY_RETURN_IF_ERROR(disk.ReadAt(offset, out.first(on_disk)));
  }
  if (on_disk < out.size()) {
    const uint64_t footer_offset = offset + on_disk - disk_size;
    std::memcpy(out.data() + on_disk, footer.data() + footer_offset, out.size() - on_disk);
  }
  return Status::Ok();
}

}  // namespace gallery::storage
