#pragma once
// ImageFormat: what kind of disk image a file holds, recognised from its first and last bytes,
// and what to tell a user whose format Gallery does not accept.
//
//   ImageFormat f = SniffFormat(first_4k, last_512);
//   if (!IsAcceptedVhd(f)) return Status::InvalidArgument(FormatRefusal(f));
//
// Gallery ingests fixed and dynamic VHDs (and raw disks when the caller says so); VHDX, qcow2,
// VMDK and differencing VHDs are recognised and refused with the qemu-img command that
// converts them. Pure: no I/O.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gallery::storage {

enum class ImageFormat {
  kVhdFixed,
  kVhdDynamic,
  kVhdDifferencing,
  kVhdx,
  kQcow2,
  kVmdk,
  kRaw,      // no container: the bytes are the disk (only ever declared, never sniffed)
  kUnknown,  // no signature recognised
};

// The ARM error code of an image in a format Gallery recognises but does not accept.
inline constexpr std::string_view kUnsupportedFormatReason = "UnsupportedDiskFormat";

// How many leading bytes SniffFormat looks at.
inline constexpr size_t kSniffHeadBytes = 4096;

// Recognises the format from `head` (the first bytes of the file, up to kSniffHeadBytes; fewer
// for a smaller file) and `tail` (the last 512 bytes; fewer or empty for a smaller file):
//  - a VHD footer (cookie "conectix") in `tail`: kVhdFixed, kVhdDynamic or kVhdDifferencing by
//    its disk type (kUnknown for another type); checked first, so a fixed VHD whose guest data
//    happens to start with another format's signature is still a VHD;
//  - "vhdxfile" at 0: kVhdx; "QFI\xfb" at 0: kQcow2; "KDMV" at 0 or a text starting
//    "# Disk DescriptorFile": kVmdk;
//  - otherwise kUnknown.
// The VHD footer's checksum is not checked here (ParseVhdFooter does).
ImageFormat SniffFormat(std::span<const uint8_t> head, std::span<const uint8_t> tail);

// "fixed VHD", "dynamic VHD", "differencing VHD", "VHDX", "qcow2", "VMDK", "raw", "unknown".
std::string_view ImageFormatName(ImageFormat format);

// True for kVhdFixed and kVhdDynamic: the VHD kinds Gallery ingests.
bool IsAcceptedVhd(ImageFormat format);

// The message refusing `format` for a VHD upload: names the format, what Gallery accepts and
// the qemu-img command that converts it, e.g. "The disk is a VHDX image; Gallery accepts fixed
// or dynamic VHD. Convert it with: qemu-img convert -f vhdx -O vpc -o
// subformat=fixed,force_size=on in.vhdx out.vhd". For kUnknown and kRaw: the file is not a
// VHD, with the command converting a raw disk. Empty for the accepted kinds.
std::string FormatRefusal(ImageFormat format);

}  // namespace gallery::storage
