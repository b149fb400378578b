#pragma once
// ManagedImage: a baseline image (Microsoft.Compute/images) made from a VHD blob, a managed disk
// or a snapshot, used to create image versions. Only tags may change after creation.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/resource.h"

namespace gallery::domain {

struct ImageDisk {
  std::optional<int32_t> lun;  // data disks only
  // Exactly one source: a blob URI, a managed disk id, or a snapshot id.
  std::string blob_uri;
  std::string managed_disk_id;
  std::string snapshot_id;
  std::optional<HostCaching> caching;
  std::optional<int32_t> disk_size_gb;
  std::string storage_account_type;
  nlohmann::json extra = nlohmann::json::object();  // diskEncryptionSet, ...
  // The disk's bytes, once the image holds them: a manifest in the image's region (empty while
  // a blob source is being ingested, and for images made without data), and its virtual size.
  std::string manifest_id;
  int64_t size_bytes = 0;
  // The 512-byte footer of the VHD the bytes came from (binary; a disk source's uploaded
  // footer, or a blob source's), so an export gives that VHD back (byte for byte when it was a
  // fixed VHD); empty when unknown.
  std::string vhd_footer;
  friend bool operator==(const ImageDisk&, const ImageDisk&) = default;
};

// A disk size in whole GiB, rounded up (ARM's diskSizeGB and sizeInGB).
inline int32_t SizeInGiB(int64_t bytes) {
  constexpr int64_t kGiB = int64_t{1} << 30;
  return static_cast<int32_t>((bytes + kGiB - 1) / kGiB);
}

struct ManagedImage {
  static constexpr const char* kType = "Microsoft.Compute/images";
  TrackedResource meta;
  OsType os_type = OsType::kLinux;
  OsState os_state = OsState::kGeneralized;
  HyperVGeneration hyper_v_generation = HyperVGeneration::kV1;
  ImageDisk os_disk;
  std::vector<ImageDisk> data_disks;
  bool zone_resilient = false;
  std::string source_virtual_machine_id;
  nlohmann::json extra = nlohmann::json::object();
};

// A managed image PUT body. Images are immutable but for tags, so the input is complete.
struct ManagedImageInput {
  std::optional<std::string> location;
  std::optional<Tags> tags;
  std::optional<OsType> os_type;
  std::optional<OsState> os_state;
  std::optional<HyperVGeneration> hyper_v_generation;
  std::optional<ImageDisk> os_disk;
  std::vector<ImageDisk> data_disks;
  std::optional<bool> zone_resilient;
  std::string source_virtual_machine_id;
  nlohmann::json extra = nlohmann::json::object();
};

}  // namespace gallery::domain
