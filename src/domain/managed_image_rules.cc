#include "domain/managed_image_rules.h"

#include <set>

#include "domain/names.h"
#include "domain/update_checks.h"

namespace gallery::domain {

namespace {

constexpr char kProfile[] = "image.properties.storageProfile.";

Status CheckDisk(const ImageDisk& disk, const std::string& field) {
  int sources = (disk.blob_uri.empty() ? 0 : 1) + (disk.managed_disk_id.empty() ? 0 : 1) +
                (disk.snapshot_id.empty() ? 0 : 1);
  if (sources != 1) {
    return Status::InvalidArgument(
               "The disk " + field + " must name exactly one source: blobUri, managedDisk.id or "
               "snapshot.id (it names " + std::to_string(sources) + ").",
               field)
        .WithReason("InvalidParameter");
  }
  if (!disk.blob_uri.empty() && disk.blob_uri.rfind("https://", 0) != 0 &&
      disk.blob_uri.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("The blob URI '" + disk.blob_uri + "' of " + field +
                                       ".blobUri is not an http(s) URL.",
                                   field + ".blobUri")
        .WithReason("InvalidParameter");
  }
  if (disk.disk_size_gb.has_value() && (*disk.disk_size_gb < 1 || *disk.disk_size_gb > 32767)) {
    return Status::InvalidArgument("The value " + std::to_string(*disk.disk_size_gb) +
                                       " of parameter " + field +
                                       ".diskSizeGB is out of range. The value must be between 1 "
                                       "and 32767, inclusive.",
                                   field + ".diskSizeGB")
        .WithReason("InvalidParameter");
  }
  return Status::Ok();
}

}  // namespace

Result<ManagedImage> NewManagedImage(const ResourceId& id, const ManagedImageInput& in,
                                     const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(ValidateManagedImageName(id.Name()));
  if (!in.location.has_value()) {
    return MissingField("location");
  }
  GALLERY_ASSIGN_OR_RETURN(Region region, ctx.regions.Resolve(*in.location, "location"));
  if (!in.source_virtual_machine_id.empty()) {
    return Status::InvalidArgument(
               "Capturing an image from a virtual machine ('" + in.source_virtual_machine_id +
                   "') is not supported by this gallery: create the image from a VHD blob, a "
                   "managed disk or a snapshot.",
               "image.properties.sourceVirtualMachine.id")
        .WithReason("InvalidParameter");
  }
  if (!in.os_disk.has_value()) {
    return MissingField(std::string(kProfile) + "osDisk");
  }
  if (!in.os_type.has_value()) {
    return MissingField(std::string(kProfile) + "osDisk.osType");
  }
  if (!in.os_state.has_value()) {
    return MissingField(std::string(kProfile) + "osDisk.osState");
  }
  if (*in.os_state != OsState::kGeneralized) {
    return Status::InvalidArgument(
               "The value 'Specialized' of image.properties.storageProfile.osDisk.osState is not "
               "supported: specialized disks are not supported as images. Generalize the VM "
               "(sysprep, waagent -deprovision) before capturing its disk.",
               std::string(kProfile) + "osDisk.osState")
        .WithReason("InvalidParameter");
  }
  GALLERY_RETURN_IF_ERROR(CheckDisk(*in.os_disk, std::string(kProfile) + "osDisk"));
  std::set<int32_t> luns;
  for (size_t i = 0; i < in.data_disks.size(); ++i) {
    const ImageDisk& d = in.data_disks[i];
    const std::string field = std::string(kProfile) + "dataDisks[" + std::to_string(i) + "]";
    if (!d.lun.has_value()) {
      return MissingField(field + ".lun");
    }
    if (*d.lun < 0 || *d.lun > 63) {
      return Status::InvalidArgument("The value " + std::to_string(*d.lun) + " of parameter " +
                                         field + ".lun is out of range. The value must be between "
                                         "0 and 63, inclusive.",
                                     field + ".lun")
          .WithReason("InvalidParameter");
    }
    if (!luns.insert(*d.lun).second) {
      return Status::InvalidArgument("Duplicated lun numbers have been detected in the input: lun " +
                                         std::to_string(*d.lun) + " appears more than once.",
                                     field + ".lun")
          .WithReason("InvalidParameter");
    }
    GALLERY_RETURN_IF_ERROR(CheckDisk(d, field));
  }
  ManagedImage image;
  image.meta.id = id;
  image.meta.location = region.name;
  image.meta.tags = in.tags.value_or(Tags{});
  GALLERY_RETURN_IF_ERROR(ValidateTags(image.meta.tags, ctx.limits));
  image.meta.provisioning_state = ProvisioningState::kCreating;
  image.meta.created_at = image.meta.updated_at = ctx.now;
  image.os_type = *in.os_type;
  image.os_state = *in.os_state;
  image.hyper_v_generation = in.hyper_v_generation.value_or(HyperVGeneration::kV1);
  image.os_disk = *in.os_disk;
  image.data_disks = in.data_disks;
  image.zone_resilient = in.zone_resilient.value_or(false);
  image.extra = in.extra;
  return image;
}

Result<ManagedImage> UpdateManagedImage(const ManagedImage& current, const ManagedImageInput& in,
                                        UpdateMode mode, const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(CheckLocationUnchanged(current.meta, in.location, ctx.regions));
  // PUT and PATCH alike: absent fields are unchanged, present ones may not differ.
  if (in.os_type.has_value() && *in.os_type != current.os_type) {
    return PropertyChangeNotAllowed(std::string(kProfile) + "osDisk.osType");
  }
  if (in.os_state.has_value() && *in.os_state != current.os_state) {
    return PropertyChangeNotAllowed(std::string(kProfile) + "osDisk.osState");
  }
  if (in.hyper_v_generation.has_value() && *in.hyper_v_generation != current.hyper_v_generation) {
    return PropertyChangeNotAllowed("image.properties.hyperVGeneration");
  }
  if (in.os_disk.has_value()) {
    // Size and caching are echoed back by clients; sources and size may not change.
    ImageDisk incoming = *in.os_disk;
    ImageDisk existing = current.os_disk;
    if (incoming.blob_uri != existing.blob_uri || incoming.managed_disk_id != existing.managed_disk_id ||
        incoming.snapshot_id != existing.snapshot_id ||
        (incoming.disk_size_gb.has_value() && incoming.disk_size_gb != existing.disk_size_gb)) {
      return PropertyChangeNotAllowed(std::string(kProfile) + "osDisk");
    }
  }
  if (!in.data_disks.empty() && in.data_disks.size() != current.data_disks.size()) {
    return Status::InvalidArgument(
               "Adding new Data Disks or changing the LUN of a Data Disk in an existing Image "
               "is not allowed.",
               std::string(kProfile) + "dataDisks")
        .WithReason("PropertyChangeNotAllowed");
  }
  for (size_t i = 0; i < in.data_disks.size(); ++i) {
    const ImageDisk& a = in.data_disks[i];
    const ImageDisk& b = current.data_disks[i];
    if (a.lun != b.lun || a.blob_uri != b.blob_uri || a.managed_disk_id != b.managed_disk_id ||
        a.snapshot_id != b.snapshot_id) {
      return Status::InvalidArgument(
                 "Adding new Data Disks or changing the LUN of a Data Disk in an existing "
                 "Image is not allowed.",
                 std::string(kProfile) + "dataDisks")
          .WithReason("PropertyChangeNotAllowed");
    }
  }
  if (in.zone_resilient.has_value() && *in.zone_resilient != current.zone_resilient) {
    return Status::InvalidArgument("Changing property 'zoneResilient' is not allowed.",
                                   std::string(kProfile) + "zoneResilient")
        .WithReason("PropertyChangeNotAllowed");
  }
  GALLERY_RETURN_IF_ERROR(CheckExtrasUnchanged(current.extra, in.extra, "image.properties."));
  ManagedImage next = current;
  if (in.tags.has_value() || mode == UpdateMode::kReplace) {
    next.meta.tags = in.tags.value_or(Tags{});
  }
  GALLERY_RETURN_IF_ERROR(ValidateTags(next.meta.tags, ctx.limits));
  next.meta.provisioning_state = ProvisioningState::kUpdating;
  next.meta.updated_at = ctx.now;
  return next;
}

}  // namespace gallery::domain
