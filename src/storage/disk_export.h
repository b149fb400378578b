#pragma once
// Disk export: the byte stream of a disk in a download format, readable at any window, so an
// HTTP Range request or a streamed download reads it piece by piece with bounded memory.
//
//   std::array<uint8_t, 512> footer = SerializeVhdFooter(FixedFooterFor(disk.size(), ...));
//   uint64_t total = ExportedSize(ExportFormat::kVhd, disk.size());
//   std::vector<uint8_t> piece(4 << 20);
//   GALLERY_RETURN_IF_ERROR(ReadExport(disk, ExportFormat::kVhd, footer, offset, piece));

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "storage/vhd_format.h"
#include "storage/virtual_disk.h"

namespace gallery::storage {

enum class ExportFormat {
  kRaw,  // the disk bytes
  kVhd,  // a fixed VHD: the disk bytes, then the 512-byte footer
};

// "raw" or "vhd" (any case). InvalidArgument naming the value and the accepted ones otherwise.
Result<ExportFormat> ParseExportFormat(std::string_view text);

// "raw" or "vhd".
std::string_view ExportFormatName(ExportFormat format);

// Bytes of the exported stream of a disk of `virtual_size` bytes.
uint64_t ExportedSize(ExportFormat format, uint64_t virtual_size);

// Fills `out` with the bytes at [offset, offset + out.size()) of `disk` exported as `format`;
// `footer` is the fixed VHD footer (kVhd only; see FixedFooterFor). InvalidArgument when the
// window leaves [0, ExportedSize); otherwise the disk's ReadAt errors. Thread-safe when the
// disk is.
Status ReadExport(const VirtualDisk& disk, ExportFormat format,
                  const std::array<uint8_t, kVhdFooterSize>& footer, uint64_t offset,
                  std::span<uint8_t> out);

}  // namespace gallery::storage
