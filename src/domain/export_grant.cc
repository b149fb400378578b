#include "domain/export_grant.h"

#include <vector>

#include "domain/disk_rules.h"
#include "domain/update_checks.h"

namespace gallery::domain {

namespace {

// The manifest of `os` (no lun) or of the data disk with `lun`, for ImageDisk and DiskImage
// alike; `what` names the resource in messages, `meta` is its, `recreate` says how to make it
// again when its provisioning failed.
template <typename Disk>
Result<std::string> ManifestOf(const std::string& what, const TrackedResource& meta,
                               const std::string& recreate, const Disk& os,
                               const std::vector<Disk>& data, std::optional<int32_t> lun) {
  const Disk* chosen = lun.has_value() ? nullptr : &os;
  std::string luns;
  for (const Disk& d : data) {
    if (lun.has_value() && d.lun == lun) {
      chosen = &d;
    }
    if (d.lun.has_value()) {
      luns += (luns.empty() ? "" : ", ") + std::to_string(*d.lun);
    }
  }
  if (chosen == nullptr) {
    return Status::InvalidArgument(
               "The " + what + " has no data disk with lun " + std::to_string(*lun) +
                   " (its data disks' luns: " + (luns.empty() ? "none" : luns) + ").",
               "lun")
        .WithReason("InvalidParameter");
  }
  if (chosen->manifest_id.empty()) {
    const std::string disk =
        lun.has_value() ? "data disk " + std::to_string(*lun) : std::string("OS disk");
    if (meta.provisioning_state == ProvisioningState::kFailed) {
      return Status::FailedPrecondition("The " + what + " holds no data for its " + disk +
                                        ": its provisioning failed, so it never will. " + recreate)
          .WithReason("OperationNotAllowed");
    }
    return Status::FailedPrecondition("The " + what + " holds no data for its " + disk +
                                      " yet; try again when its provisioning succeeded.")
        .WithReason("OperationNotAllowed");
  }
  return chosen->manifest_id;
}

}  // namespace

Result<std::string> ExportedManifest(const ManagedImage& image, std::optional<int32_t> lun) {
  return ManifestOf("image '" + image.meta.id.Name() + "'", image.meta,
                    "Create it again with a valid source (a PUT of the same name replaces a "
                    "failed image: gallery image create -g " +
                        image.meta.id.resource_group() + " -n " + image.meta.id.Name() +
                        " --source ...).",
                    image.os_disk, image.data_disks, lun);
}

Result<std::string> ExportedManifest(const GalleryImageVersion& version,
                                     std::optional<int32_t> lun) {
  return ManifestOf("image version '" + version.meta.id.Name() + "'", version.meta,
                    "Delete it and create it again from a source that holds data.",
                    version.os_disk_image, version.data_disk_images, lun);
}

Result<ExportGrant> NewExportGrant(const ResourceId& resource, const std::string& manifest_id,
                                   const ExportAccessInput& in, const std::string& id,
                                   TimestampMs now) {
  if (!in.access.has_value()) {
    return MissingField("grantAccessData.access");
  }
  if (*in.access != DiskAccessLevel::kRead) {
    return Status::InvalidArgument("The access '" + std::string(ToString(*in.access)) +
                                       "' cannot be granted on '" + resource.Type() +
                                       "': its data is exported read only; ask for 'Read'.",
                                   "grantAccessData.access")
        .WithReason("InvalidParameter");
  }
  GALLERY_ASSIGN_OR_RETURN(const TimestampMs expires_at, AccessExpiry(in.duration_seconds, now));
  return ExportGrant{id, resource, manifest_id, now, expires_at};
}

}  // namespace gallery::domain
