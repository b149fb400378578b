#include "domain/disk_rules.h"

#include <algorithm>
#include <iterator>

#include "domain/enum_table.h"
#include "domain/names.h"
#include "domain/update_checks.h"

namespace gallery::domain {

namespace {

constexpr EnumTable<DiskState, 4> kDiskStates{{{DiskState::kReadyToUpload, "ReadyToUpload"},
                                               {DiskState::kActiveUpload, "ActiveUpload"},
                                               {DiskState::kUnattached, "Unattached"},
                                               {DiskState::kActiveSAS, "ActiveSAS"}}};
constexpr EnumTable<DiskAccessLevel, 2> kAccessLevels{
    {{DiskAccessLevel::kRead, "Read"}, {DiskAccessLevel::kWrite, "Write"}}};
constexpr EnumTable<int, 7> kSkus{{{0, "Standard_LRS"},
                                   {1, "Premium_LRS"},
                                   {2, "StandardSSD_LRS"},
                                   {3, "UltraSSD_LRS"},
                                   {4, "Premium_ZRS"},
                                   {5, "StandardSSD_ZRS"},
                                   {6, "PremiumV2_LRS"}}};

constexpr char kCreationData[] = "disk.properties.creationData.";

// A Read grant past its expiry serves nothing and keeps no reader: it is dropped when the
// grants change. A Write grant is not: it ends only by a seal or a new Write grant.
bool ReadGrantExpired(const DiskAccessGrant& grant, TimestampMs now) {
  return grant.level == DiskAccessLevel::kRead && grant.expires_at <= now;
}

Status InvalidParameter(const std::string& message, const std::string& target) {
  return Status::InvalidArgument(message, target).WithReason("InvalidParameter");
}

Status CheckUploadSize(int64_t bytes) {
  const std::string field = std::string(kCreationData) + "uploadSizeBytes";
  const int64_t content = bytes - kVhdFooterBytes;
  if (content % kMiB != 0 || content < kMinUploadDiskBytes || content > kMaxUploadDiskBytes) {
    return InvalidParameter(
        "The value " + std::to_string(bytes) + " of " + field +
            " is not valid: it must be the size of the disk plus the 512-byte VHD footer, "
            "where the disk size is a whole number of MiB between 20 MiB (20971520 bytes) and "
            "4 TiB (4398046511104 bytes), i.e. between 20972032 and 4398046511616 bytes.",
        field);
  }
  return Status::Ok();
}

Status NotAllowedInState(const Disk& disk, std::string_view what) {
  return Status::FailedPrecondition("The disk '" + disk.meta.id.Name() + "' is in state '" +
                                    std::string(ToString(disk.state)) + "': " + std::string(what))
      .WithReason("OperationNotAllowed");
}

}  // namespace

std::string_view ToString(DiskState v) { return EnumName(kDiskStates, v); }
std::string_view ToString(DiskAccessLevel v) { return EnumName(kAccessLevels, v); }

Result<DiskState> ParseDiskState(std::string_view text, std::string_view field) {
  return ParseEnum(kDiskStates, text, field);
}

Result<DiskAccessLevel> ParseDiskAccessLevel(std::string_view text, std::string_view field) {
  return ParseEnum(kAccessLevels, text, field);
}

const DiskAccessGrant* FindGrant(const Disk& disk, std::string_view id) {
  auto it = std::find_if(disk.grants.begin(), disk.grants.end(),
                         [&](const DiskAccessGrant& g) { return g.id == id; });
  return it == disk.grants.end() ? nullptr : &*it;
}

Result<std::string> ParseDiskSku(std::string_view text, std::string_view field) {
  GALLERY_ASSIGN_OR_RETURN(int index, ParseEnum(kSkus, text, field));
  return std::string(kSkus[static_cast<size_t>(index)].second);
}

Result<Disk> NewDisk(const ResourceId& id, const DiskInput& in, const std::string& unique_id,
                     const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(ValidateDiskName(id.Name()));
  if (!in.location.has_value()) {
    return MissingField("location");
  }
  GALLERY_ASSIGN_OR_RETURN(Region region,
                           ctx.regions.ResolveReplicationRegion(*in.location, "location"));
  Disk disk;
  if (in.sku_name.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(disk.sku_name, ParseDiskSku(*in.sku_name, "disk.sku.name"));
  }
  if (!in.create_option.has_value()) {
    return MissingField(std::string(kCreationData) + "createOption");
  }
  if (!EqualsIgnoreCase(*in.create_option, "Upload")) {
    return InvalidParameter("The createOption '" + *in.create_option +
                                "' is not supported by this gallery service: only 'Upload' is "
                                "supported for now.",
                            std::string(kCreationData) + "createOption");
  }
  if (!in.upload_size_bytes.has_value()) {
    return MissingField(std::string(kCreationData) + "uploadSizeBytes");
  }
  GALLERY_RETURN_IF_ERROR(CheckUploadSize(*in.upload_size_bytes));
  disk.meta.id = id;
  disk.meta.location = region.name;
  disk.meta.tags = in.tags.value_or(Tags{});
  GALLERY_RETURN_IF_ERROR(ValidateTags(disk.meta.tags, ctx.limits));
  disk.meta.provisioning_state = ProvisioningState::kSucceeded;
  disk.meta.created_at = disk.meta.updated_at = ctx.now;
  disk.os_type = in.os_type;
  disk.hyper_v_generation = in.hyper_v_generation;
  disk.create_option = "Upload";
  disk.upload_size_bytes = *in.upload_size_bytes;
  disk.disk_size_bytes = *in.upload_size_bytes - kVhdFooterBytes;
  disk.state = DiskState::kReadyToUpload;
  disk.unique_id = unique_id;
  disk.time_created = ctx.now;
  disk.extra = in.extra;
  return disk;
}

Result<Disk> UpdateDisk(const Disk& current, const DiskInput& in, UpdateMode mode,
                        const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(CheckLocationUnchanged(current.meta, in.location, ctx.regions));
  if (in.sku_name.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::string sku, ParseDiskSku(*in.sku_name, "disk.sku.name"));
    if (sku != current.sku_name) {
      return PropertyChangeNotAllowed("disk.sku.name");
    }
  }
  if (in.os_type.has_value() && in.os_type != current.os_type) {
    return PropertyChangeNotAllowed("disk.properties.osType");
  }
  if (in.hyper_v_generation.has_value() && in.hyper_v_generation != current.hyper_v_generation) {
    return PropertyChangeNotAllowed("disk.properties.hyperVGeneration");
  }
  if (in.create_option.has_value() && !EqualsIgnoreCase(*in.create_option, current.create_option)) {
    return PropertyChangeNotAllowed(std::string(kCreationData) + "createOption");
  }
  if (in.upload_size_bytes.has_value() && *in.upload_size_bytes != current.upload_size_bytes) {
    // A value that no disk could have is refused as such, before it is compared.
    GALLERY_RETURN_IF_ERROR(CheckUploadSize(*in.upload_size_bytes));
    return PropertyChangeNotAllowed(std::string(kCreationData) + "uploadSizeBytes");
  }
  GALLERY_RETURN_IF_ERROR(CheckExtrasUnchanged(current.extra, in.extra, "disk.properties."));
  Disk next = current;
  if (in.tags.has_value() || mode == UpdateMode::kReplace) {
    next.meta.tags = in.tags.value_or(Tags{});
  }
  GALLERY_RETURN_IF_ERROR(ValidateTags(next.meta.tags, ctx.limits));
  next.meta.updated_at = ctx.now;
  return next;
}

Result<TimestampMs> AccessExpiry(std::optional<int64_t> duration_seconds, TimestampMs now) {
  const int64_t seconds = duration_seconds.value_or(kDefaultAccessSeconds);
  if (seconds < 1 || seconds > kMaxAccessSeconds) {
    return InvalidParameter("The value " + std::to_string(seconds) +
                                " of grantAccessData.durationInSeconds is out of range. The value "
                                "must be between 1 and 86400, inclusive.",
                            "grantAccessData.durationInSeconds");
  }
  // Whole seconds: the expiry travels in the signed URL as RFC 3339 text.
  return (now / 1000 + seconds) * 1000;
}

Result<Disk> GrantAccess(const Disk& current, const DiskAccessInput& in,
                         const std::string& grant_id, const RuleContext& ctx) {
  if (!in.access.has_value()) {
    return MissingField("grantAccessData.access");
  }
  GALLERY_ASSIGN_OR_RETURN(const TimestampMs expires_at,
                           AccessExpiry(in.duration_seconds, ctx.now));
  Disk next = current;
  next.grants.clear();
  if (*in.access == DiskAccessLevel::kWrite) {
    if (current.state != DiskState::kReadyToUpload && current.state != DiskState::kActiveUpload) {
      return NotAllowedInState(current,
                               "Write access is granted only to a disk created for "
                               "upload that is not sealed yet (ReadyToUpload or "
                               "ActiveUpload).");
    }
    next.state = DiskState::kActiveUpload;
  } else {
    if (current.state != DiskState::kUnattached && current.state != DiskState::kActiveSAS) {
      return NotAllowedInState(current,
                               "Read access is granted only to an uploaded, sealed "
                               "disk (Unattached or ActiveSAS).");
    }
    next.state = DiskState::kActiveSAS;
    // Other readers keep their grants.
    std::copy_if(current.grants.begin(), current.grants.end(), std::back_inserter(next.grants),
                 [&](const DiskAccessGrant& g) { return !ReadGrantExpired(g, ctx.now); });
  }
  next.grants.push_back(DiskAccessGrant{grant_id, *in.access, expires_at});
  next.meta.updated_at = ctx.now;
  return next;
}

bool RevokeGrants(Disk& disk, const std::optional<std::string>& grant_id, TimestampMs now) {
  if (!grant_id.has_value()) {
    disk.grants.clear();
    return true;
  }
  std::erase_if(disk.grants, [&](const DiskAccessGrant& g) {
    return g.id == *grant_id || ReadGrantExpired(g, now);
  });
  return disk.grants.empty();
}

Status CheckDiskDeletable(const Disk& disk) {
  if (disk.state == DiskState::kActiveUpload || disk.state == DiskState::kActiveSAS) {
    return NotAllowedInState(disk,
                             "a disk cannot be deleted while it has an active access "
                             "grant; revoke it first (endGetAccess).");
  }
  return Status::Ok();
}

int64_t DiskSizeGb(const Disk& disk) {
  constexpr int64_t kGiB = int64_t{1} << 30;
  return (disk.disk_size_bytes + kGiB - 1) / kGiB;
}

}  // namespace gallery::domain
