#include "domain/gallery_image_version_rules.h"

#include <set>

#include "domain/names.h"
#include "domain/update_checks.h"

namespace gallery::domain {

namespace {

constexpr char kProps[] = "galleryImageVersion.properties.";
constexpr char kPublishing[] = "galleryImageVersion.properties.publishingProfile.";

Status CheckReplicaCount(int32_t count, const std::string& field, const RuleContext& ctx) {
  if (count >= 1 && count <= ctx.limits.max_replica_count) {
    return Status::Ok();
  }
  return Status::InvalidArgument("The value " + std::to_string(count) + " of parameter " + field +
                                     " is out of range. The value must be between 1 and " +
                                     std::to_string(ctx.limits.max_replica_count) + ", inclusive.",
                                 field)
      .WithReason("InvalidParameter");
}

// Resolves and checks the target regions of `in` for a version in `location`.
// `current` (nullptr on create) gives the stored storage account types of existing regions.
Result<std::vector<TargetRegion>> ResolveTargets(const std::vector<TargetRegionInput>& inputs,
                                                 const std::string& location,
                                                 const std::string& default_storage_type,
                                                 const GalleryImageVersion* current,
                                                 const RuleContext& ctx) {
  const std::string field = std::string(kPublishing) + "targetRegions";
  if (inputs.empty()) {
    return Status::InvalidArgument("The version must have at least one target region.", field)
        .WithReason("InvalidParameter");
  }
  if (inputs.size() > static_cast<size_t>(ctx.limits.max_target_regions)) {
    return Status::InvalidArgument("The version names " + std::to_string(inputs.size()) +
                                       " target regions; at most " +
                                       std::to_string(ctx.limits.max_target_regions) +
                                       " are allowed.",
                                   field)
        .WithReason("InvalidParameter");
  }
  std::vector<TargetRegion> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TargetRegionInput& in = inputs[i];
    const std::string item = field + "[" + std::to_string(i) + "]";
    GALLERY_ASSIGN_OR_RETURN(Region region,
                             ctx.regions.ResolveReplicationRegion(in.name, item + ".name"));
    if (!seen.insert(region.name).second) {
      return Status::InvalidArgument(
                 "Duplicate regions are not allowed in target publishing regions: '" + in.name +
                     "' (" + region.name + ") is listed more than once.",
                 field)
          .WithReason("InvalidParameter");
    }
    TargetRegion target;
    target.name = region.name;
    target.regional_replica_count = in.regional_replica_count;
    if (in.regional_replica_count.has_value()) {
      GALLERY_RETURN_IF_ERROR(
          CheckReplicaCount(*in.regional_replica_count, item + ".regionalReplicaCount", ctx));
    }
    const TargetRegion* existing = nullptr;
    if (current != nullptr) {
      for (const TargetRegion& t : current->target_regions) {
        if (t.name == region.name) {
          existing = &t;
        }
      }
    }
    if (in.storage_account_type.has_value()) {
      GALLERY_ASSIGN_OR_RETURN(target.storage_account_type,
                               ParseStorageAccountType(*in.storage_account_type,
                                                       item + ".storageAccountType"));
      if (existing != nullptr && existing->storage_account_type != target.storage_account_type) {
        return PropertyChangeNotAllowed(item + ".storageAccountType");
      }
    } else {
      target.storage_account_type =
          existing != nullptr ? existing->storage_account_type : default_storage_type;
    }
    target.exclude_from_latest =
        !in.exclude_from_latest.has_value() && in.exclude_from_latest_unknown && existing != nullptr
            ? existing->exclude_from_latest
            : in.exclude_from_latest;
    if (existing != nullptr) {
      GALLERY_RETURN_IF_ERROR(CheckExtrasUnchanged(existing->extra, in.extra, item + "."));
      target.extra = existing->extra;
    } else {
      target.extra = in.extra;
    }
    out.push_back(std::move(target));
  }
  if (seen.count(location) == 0) {
    std::string list;
    for (const TargetRegion& t : out) {
      list += (list.empty() ? "" : ", ") + t.name;
    }
    return Status::InvalidArgument("Gallery image version publishing profile regions '" + list +
                                       "' must contain the location of image version '" + location +
                                       "'.",
                                   field)
        .WithReason("InvalidParameter");
  }
  return out;
}

Status ApplyPublishing(const GalleryImageVersionInput& in, UpdateMode mode,
                       const GalleryImageVersion* current, const RuleContext& ctx,
                       GalleryImageVersion* v) {
  const bool replace = mode == UpdateMode::kReplace;
  if (in.replica_count.has_value() || replace) {
    v->replica_count = in.replica_count.value_or(1);
    GALLERY_RETURN_IF_ERROR(
        CheckReplicaCount(v->replica_count, std::string(kPublishing) + "replicaCount", ctx));
  }
  if (in.exclude_from_latest.has_value() || replace) {
    v->exclude_from_latest = in.exclude_from_latest.value_or(false);
  }
  if (in.end_of_life.has_value() || replace) {
    std::optional<TimestampMs> eol = in.end_of_life.value_or(std::nullopt);
    const bool changed = current == nullptr || current->end_of_life != eol;
    if (eol.has_value() && changed) {
      GALLERY_RETURN_IF_ERROR(
          CheckFutureDate(*eol, std::string(kPublishing) + "endOfLifeDate", ctx));
    }
    v->end_of_life = eol;
  }
  if (in.target_regions.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(v->target_regions,
                             ResolveTargets(*in.target_regions, v->meta.location,
                                            v->storage_account_type, current, ctx));
  } else if (replace || current == nullptr) {
    // ARM's default: the version's own region, with the common replica count.
    std::vector<TargetRegionInput> only_location{{v->meta.location}};
    GALLERY_ASSIGN_OR_RETURN(v->target_regions,
                             ResolveTargets(only_location, v->meta.location,
                                            v->storage_account_type, current, ctx));
  }
  if (in.tags.has_value() || replace) {
    v->meta.tags = in.tags.value_or(Tags{});
  }
  return ValidateTags(v->meta.tags, ctx.limits);
}

std::string LunList(const std::vector<DiskImage>& disks) {
  std::string out;
  for (const DiskImage& d : disks) {
    out += (out.empty() ? "" : ", ") + std::to_string(d.lun.value_or(-1));
  }
  return out;
}

DiskImage* FindLun(std::vector<DiskImage>& disks, int32_t lun) {
  for (DiskImage& d : disks) {
    if (d.lun == lun) {
      return &d;
    }
  }
  return nullptr;
}

// A create's storageProfile disk entries: host caching, on data disks that must be the source
// image's own (a version cannot add a disk its image does not have).
Status ApplyDiskImages(const GalleryImageVersionInput& in, const ManagedImage& source,
                       GalleryImageVersion* v) {
  if (in.os_host_caching.has_value()) {
    v->os_disk_image.host_caching = *in.os_host_caching;
  }
  if (!in.data_disk_images.has_value()) {
    return Status::Ok();
  }
  std::set<int32_t> seen;
  for (const DataDiskImageInput& d : *in.data_disk_images) {
    if (!seen.insert(d.lun).second) {
      return Status::InvalidArgument("The LUN " + std::to_string(d.lun) + " in " + d.field +
                                         ".lun is listed more than once; data disk LUNs must be "
                                         "unique.",
                                     d.field + ".lun")
          .WithReason("InvalidParameter");
    }
    DiskImage* disk = FindLun(v->data_disk_images, d.lun);
    if (disk == nullptr) {
      const std::string has = v->data_disk_images.empty()
                                  ? "it has no data disks"
                                  : "its data disks have LUNs " + LunList(v->data_disk_images);
      return Status::InvalidArgument("The LUN " + std::to_string(d.lun) + " in " + d.field +
                                         ".lun is not a data disk of the source image " +
                                         source.meta.id.ToString() + ": " + has + ".",
                                     d.field + ".lun")
          .WithReason("InvalidParameter");
    }
    if (d.host_caching.has_value()) {
      disk->host_caching = *d.host_caching;
    }
  }
  return Status::Ok();
}

// An update may echo the disk entries (clients send back what they read) but not change them.
Status CheckDiskImagesUnchanged(const GalleryImageVersionInput& in,
                                const GalleryImageVersion& current) {
  if (in.os_host_caching.has_value() && *in.os_host_caching != current.os_disk_image.host_caching) {
    return PropertyChangeNotAllowed(std::string(kProps) + "storageProfile.osDiskImage.hostCaching");
  }
  if (!in.data_disk_images.has_value()) {
    return Status::Ok();
  }
  std::vector<DiskImage> disks = current.data_disk_images;
  std::set<int32_t> seen;
  for (const DataDiskImageInput& d : *in.data_disk_images) {
    DiskImage* disk = FindLun(disks, d.lun);
    if (disk == nullptr || !seen.insert(d.lun).second) {
      break;
    }
    if (d.host_caching.has_value() && *d.host_caching != disk->host_caching) {
      return PropertyChangeNotAllowed(d.field + ".hostCaching");
    }
  }
  if (seen.size() != in.data_disk_images->size() || seen.size() != disks.size()) {
    return Status::InvalidArgument(
               "Adding new Data Disks or changing the LUN of a Data Disk in an existing Image is "
               "not allowed: the version's data disks have LUNs " +
                   (disks.empty() ? std::string("(none)") : LunList(disks)) + ".",
               std::string(kProps) + "storageProfile.dataDiskImages")
        .WithReason("PropertyChangeNotAllowed");
  }
  return Status::Ok();
}

}  // namespace

Result<GalleryImageVersion> NewGalleryImageVersion(const ResourceId& id,
                                                   const GalleryImageVersionInput& in,
                                                   const GalleryImage& definition,
                                                   const ManagedImage* source,
                                                   const RuleContext& ctx) {
  GALLERY_ASSIGN_OR_RETURN(SemVer semver, SemVer::Parse(id.Name()));
  // "01.0.0" and "1.0.0" are the same version: only the canonical spelling names it, so one
  // version cannot exist twice under two names.
  if (semver.ToString() != id.Name()) {
    return Status::InvalidArgument("The image version name '" + id.Name() +
                                       "' is not in canonical form; use '" + semver.ToString() +
                                       "' (no leading zeros).",
                                   "name")
        .WithReason("InvalidParameter");
  }
  if (!in.location.has_value()) {
    return MissingField("location");
  }
  GALLERY_ASSIGN_OR_RETURN(Region region,
                           ctx.regions.ResolveReplicationRegion(*in.location, "location"));
  if (!in.source_id.has_value()) {
    return MissingField(in.source_field);
  }
  if (in.source_id->empty()) {
    return Status::InvalidArgument("The value of " + in.source_field +
                                       " is empty: give the id of the managed image to make the "
                                       "version from (/subscriptions/{subscription}/resourceGroups/"
                                       "{group}/providers/Microsoft.Compute/images/{name}).",
                                   in.source_field)
        .WithReason("InvalidParameter");
  }
  if (source == nullptr) {
    return Status::InvalidArgument("Source " + *in.source_id +
                                " is not found. Please check source exists, and is in the same "
                                "region as gallery image version being created.",
                            in.source_field)
        .WithReason("InvalidParameter");
  }
  if (source->meta.location != region.name) {
    return Status::InvalidArgument("Source " + *in.source_id + " is in region '" +
                                       source->meta.location +
                                       "', not in the region of the image version being created ('" +
                                       region.name + "'). The source must be in the same region "
                                       "as the gallery image version.",
                                   in.source_field)
        .WithReason("InvalidParameter");
  }
  if (source->os_state != OsState::kGeneralized || definition.os_state != OsState::kGeneralized) {
    return Status::InvalidArgument("Cannot create Gallery Image Version from: " + *in.source_id +
                                       " since the OS State in the parent gallery image (" +
                                       std::string(ToString(definition.os_state)) + ") is not " +
                                       std::string(ToString(source->os_state)) +
                                       "; specialized disks are not supported as images.",
                                   in.source_field)
        .WithReason("InvalidParameter");
  }
  if (source->os_type != definition.os_type) {
    return Status::InvalidArgument("The source " + *in.source_id + " has OS type '" +
                                       std::string(ToString(source->os_type)) +
                                       "', different from the parent gallery image's OS type '" +
                                       std::string(ToString(definition.os_type)) + "'.",
                                   in.source_field)
        .WithReason("InvalidParameter");
  }
  if (source->hyper_v_generation != definition.hyper_v_generation) {
    return Status::InvalidArgument(
               "The source " + *in.source_id + " has a different Hypervisor generation ['" +
                   std::string(ToString(source->hyper_v_generation)) +
                   "'] than the parent gallery image Hypervisor generation ['" +
                   std::string(ToString(definition.hyper_v_generation)) + "'].",
               in.source_field)
        .WithReason("InvalidParameter");
  }
  GalleryImageVersion v;
  v.meta.id = id;
  v.meta.location = region.name;
  v.meta.provisioning_state = ProvisioningState::kCreating;
  v.meta.created_at = v.meta.updated_at = ctx.now;
  v.version = semver;
  v.published_date = ctx.now;
  v.source_id = source->meta.id.ToString();
  if (in.storage_account_type.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(v.storage_account_type,
                             ParseStorageAccountType(*in.storage_account_type,
                                                     std::string(kPublishing) + "storageAccountType"));
  }
  if (in.replication_mode.has_value()) {
    if (!EqualsIgnoreCase(*in.replication_mode, "Full") &&
        !EqualsIgnoreCase(*in.replication_mode, "Shallow")) {
      return Status::InvalidArgument("The value '" + *in.replication_mode + "' of parameter " +
                                         kPublishing + "replicationMode is not valid. Allowed "
                                         "values: 'Full', 'Shallow'.",
                                     std::string(kPublishing) + "replicationMode")
          .WithReason("InvalidParameter");
    }
    v.replication_mode = EqualsIgnoreCase(*in.replication_mode, "Full") ? "Full" : "Shallow";
  }
  // Disk sizes are the source image's: the real size of its data when it has some (the
  // service gives the version its own copy of the manifests), else the size it declares.
  auto disk_image = [](const ImageDisk& d, HostCaching default_caching) {
    DiskImage out;
    out.lun = d.lun;
    out.size_in_gb = d.size_bytes > 0 ? SizeInGiB(d.size_bytes) : d.disk_size_gb.value_or(0);
    out.host_caching = d.caching.value_or(default_caching);
    out.size_bytes = d.size_bytes;
    return out;
  };
  v.os_disk_image = disk_image(source->os_disk, HostCaching::kReadOnly);
  for (const ImageDisk& d : source->data_disks) {
    v.data_disk_images.push_back(disk_image(d, HostCaching::kNone));
  }
  GALLERY_RETURN_IF_ERROR(ApplyDiskImages(in, *source, &v));
  v.extra_publishing = in.extra_publishing;
  v.extra = in.extra;
  GALLERY_RETURN_IF_ERROR(ApplyPublishing(in, UpdateMode::kReplace, nullptr, ctx, &v));
  return v;
}

Result<GalleryImageVersion> UpdateGalleryImageVersion(const GalleryImageVersion& current,
                                                      const GalleryImageVersionInput& in,
                                                      UpdateMode mode, const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(CheckLocationUnchanged(current.meta, in.location, ctx.regions));
  if (in.source_id.has_value() && !in.source_id->empty() &&
      !EqualsIgnoreCase(*in.source_id, current.source_id)) {
    return PropertyChangeNotAllowed(in.source_field);
  }
  if (in.storage_account_type.has_value()) {
    Result<std::string> type = ParseStorageAccountType(
        *in.storage_account_type, std::string(kPublishing) + "storageAccountType");
    if (!type.ok() || *type != current.storage_account_type) {
      return PropertyChangeNotAllowed(std::string(kPublishing) + "storageAccountType");
    }
  }
  if (in.replication_mode.has_value() &&
      !EqualsIgnoreCase(*in.replication_mode, current.replication_mode.empty()
                                                  ? "Full"
                                                  : current.replication_mode)) {
    return PropertyChangeNotAllowed(std::string(kPublishing) + "replicationMode");
  }
  GALLERY_RETURN_IF_ERROR(
      CheckExtrasUnchanged(current.extra_publishing, in.extra_publishing, kPublishing));
  GALLERY_RETURN_IF_ERROR(CheckExtrasUnchanged(current.extra, in.extra, kProps));
  GALLERY_RETURN_IF_ERROR(CheckDiskImagesUnchanged(in, current));
  GalleryImageVersion next = current;
  GALLERY_RETURN_IF_ERROR(ApplyPublishing(in, mode, &current, ctx, &next));
  next.meta.provisioning_state = ProvisioningState::kUpdating;
  next.meta.updated_at = ctx.now;
  return next;
}

}  // namespace gallery::domain
