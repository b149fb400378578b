#include "storage/image_format.h"

#include <cstring>

#include "storage/vhd_format.h"

namespace gallery::storage {
namespace {

bool StartsWith(std::span<const uint8_t> bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

// Byte offset of the disk type in the VHD footer.
constexpr size_t kFooterDiskTypeOffset = 60;

ImageFormat VhdKind(std::span<const uint8_t> footer) {
  uint32_t type = 0;
  for (size_t i = 0; i < 4; ++i) {
    type = type << 8 | footer[kFooterDiskTypeOffset + i];
  }
  switch (static_cast<VhdDiskType>(type)) {
    case VhdDiskType::kFixed:
      return ImageFormat::kVhdFixed;
    case VhdDiskType::kDynamic:
      return ImageFormat::kVhdDynamic;
    case VhdDiskType::kDifferencing:
      return ImageFormat::kVhdDifferencing;
    case VhdDiskType::kNone:
      break;
  }
  return ImageFormat::kUnknown;
}

constexpr std::string_view kAccepted = "Gallery accepts fixed or dynamic VHD.";

// "Convert it with: qemu-img convert -f FMT -O vpc -o subformat=fixed,force_size=on in.EXT
// out.vhd".
std::string ConvertCommand(std::string_view qemu_format, std::string_view extension) {
  return "qemu-img convert -f " + std::string(qemu_format) +
         " -O vpc -o subformat=fixed,force_size=on in." + std::string(extension) + " out.vhd";
}

}  // namespace

ImageFormat SniffFormat(std::span<const uint8_t> head, std::span<const uint8_t> tail) {
  if (tail.size() == kVhdFooterSize && StartsWith(tail, kVhdFooterCookie)) {
    return VhdKind(tail);
  }
  if (StartsWith(head, "vhdxfile")) {
    return ImageFormat::kVhdx;
  }
  if (StartsWith(head, "QFI\xfb")) {
    return ImageFormat::kQcow2;
  }
  if (StartsWith(head, "KDMV") || StartsWith(head, "# Disk DescriptorFile")) {
    return ImageFormat::kVmdk;
  }
  return ImageFormat::kUnknown;
}

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kVhdFixed:
      return "fixed VHD";
    case ImageFormat::kVhdDynamic:
      return "dynamic VHD";
    case ImageFormat::kVhdDifferencing:
      return "differencing VHD";
    case ImageFormat::kVhdx:
      return "VHDX";
    case ImageFormat::kQcow2:
      return "qcow2";
    case ImageFormat::kVmdk:
      return "VMDK";
    case ImageFormat::kRaw:
      return "raw";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

bool IsAcceptedVhd(ImageFormat format) {
  return format == ImageFormat::kVhdFixed || format == ImageFormat::kVhdDynamic;
}

std::string FormatRefusal(ImageFormat format) {
  switch (format) {
    case ImageFormat::kVhdFixed:
    case ImageFormat::kVhdDynamic:
      return "";
    case ImageFormat::kVhdDifferencing:
      // qemu-img follows the backing chain, so converting the child yields the whole disk.
      return "The disk is a differencing VHD (it holds only changes to a parent disk); " +
             std::string(kAccepted) +
             " Merge it with its parent into one disk with: " + ConvertCommand("vpc", "vhd");
    case ImageFormat::kVhdx:
      return "The disk is a VHDX image; " + std::string(kAccepted) +
             " Convert it with: " + ConvertCommand("vhdx", "vhdx");
    case ImageFormat::kQcow2:
      return "The disk is a qcow2 image; " + std::string(kAccepted) +
             " Convert it with: " + ConvertCommand("qcow2", "qcow2");
    case ImageFormat::kVmdk:
      return "The disk is a VMDK image; " + std::string(kAccepted) +
             " Convert it with: " + ConvertCommand("vmdk", "vmdk");
    case ImageFormat::kRaw:
    case ImageFormat::kUnknown:
      break;
  }
  return "The disk is not a VHD: its last 512 bytes hold no VHD footer (cookie 'conectix'); " +
         std::string(kAccepted) + " Convert a raw disk with: " + ConvertCommand("raw", "img");
}

}  // namespace gallery::storage
