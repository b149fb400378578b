#pragma once
// Disk: a managed disk (Microsoft.Compute/disks). For now disks are made by upload only: a PUT
// with createOption "Upload" creates the disk in ReadyToUpload with an empty staging blob of
// uploadSizeBytes; a Write grant (beginGetAccess) lets the owner write pages to it; ending the
// grant seals the bytes into the region's chunk store as a manifest and leaves the disk
// Unattached; a Read grant serves them back.
//
//   ReadyToUpload --Write grant--> ActiveUpload --end (seal)--> Unattached
//        ^  (a failed seal goes back, bytes kept)                 |   ^
//        +-------------------------------------------------------+   | end
//                                          Unattached --Read grant--> ActiveSAS

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "domain/resource.h"

namespace gallery::domain {

enum class DiskState { kReadyToUpload, kActiveUpload, kUnattached, kActiveSAS };
enum class DiskAccessLevel { kRead, kWrite };

std::string_view ToString(DiskState v);
std::string_view ToString(DiskAccessLevel v);
// Any casing; InvalidArgument (reason "InvalidParameter") naming `field`, the value and the
// allowed values otherwise.
Result<DiskState> ParseDiskState(std::string_view text, std::string_view field);
Result<DiskAccessLevel> ParseDiskAccessLevel(std::string_view text, std::string_view field);

// The disk SKUs Azure offers (canonical spelling returned).
Result<std::string> ParseDiskSku(std::string_view text, std::string_view field);

// A signed data-plane URL handed out by beginGetAccess; its id is the URL's `si`.
struct DiskAccessGrant {
  std::string id;
  DiskAccessLevel level = DiskAccessLevel::kRead;
  TimestampMs expires_at = 0;
  friend bool operator==(const DiskAccessGrant&, const DiskAccessGrant&) = default;
};

struct Disk {
  static constexpr const char* kType = "Microsoft.Compute/disks";
  TrackedResource meta;
  std::string sku_name = "Standard_LRS";
  std::optional<OsType> os_type;
  std::optional<HyperVGeneration> hyper_v_generation;
  std::string create_option = "Upload";
  int64_t upload_size_bytes = 0;
  // The guest-visible size: uploadSizeBytes minus the VHD footer until sealed, then the size
  // the sealed VHD declares.
  int64_t disk_size_bytes = 0;
  DiskState state = DiskState::kReadyToUpload;
  std::string unique_id;  // UUID; names the staging blob and the data-plane URL
  TimestampMs time_created = 0;
  // The grants in force: one Write grant in ActiveUpload (a new one replaces it), any number of
  // Read grants in ActiveSAS (concurrent readers each hold their own); empty otherwise.
  std::vector<DiskAccessGrant> grants;
  // Once sealed: the manifest holding the bytes and the uploaded VHD's 512-byte footer.
  std::string manifest_id;
  std::string vhd_footer;
  nlohmann::json extra = nlohmann::json::object();  // properties this service keeps uninterpreted
};

// A disk PUT or PATCH body. Absent fields are nullopt.
struct DiskInput {
  std::optional<std::string> location;
  std::optional<Tags> tags;
  std::optional<std::string> sku_name;
  std::optional<OsType> os_type;
  std::optional<HyperVGeneration> hyper_v_generation;
  std::optional<std::string> create_option;
  std::optional<int64_t> upload_size_bytes;
  nlohmann::json extra = nlohmann::json::object();
};

// The grant with `id`, or null.
const DiskAccessGrant* FindGrant(const Disk& disk, std::string_view id);

// A beginGetAccess body.
struct DiskAccessInput {
  std::optional<DiskAccessLevel> access;
  std::optional<int64_t> duration_seconds;
};

}  // namespace gallery::domain
