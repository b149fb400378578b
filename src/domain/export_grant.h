#pragma once
// ExportGrant: a Read grant on the bytes of one disk of a managed image or an image version
// (their beginGetAccess, a Gallery extension of ARM). The grant names the manifest it serves,
// so it serves nothing once that manifest is no longer the resource's (the resource was
// deleted or recreated), and its signed URL (/exports/{id}) works until it expires or the
// resource's endGetAccess revokes it (by its id) or every grant of the resource.
//
//   GALLERY_ASSIGN_OR_RETURN(std::string manifest, ExportedManifest(image, in.lun));
//   GALLERY_ASSIGN_OR_RETURN(ExportGrant grant,
//                            NewExportGrant(image.meta.id, manifest, in, grant_id, now));

#include <cstdint>
#include <optional>
#include <string>

#include "common/resource_id.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/disk.h"
#include "domain/gallery_image_version.h"
#include "domain/managed_image.h"

namespace gallery::domain {

// A beginGetAccess body of an image or version: {"access": "Read", "durationInSeconds": N,
// "lun": n}; without a lun the OS disk is meant.
struct ExportAccessInput {
  std::optional<DiskAccessLevel> access;
  std::optional<int64_t> duration_seconds;
  std::optional<int32_t> lun;
};

struct ExportGrant {
  std::string id;  // also the id of the operation that granted it
  ResourceId resource;
  std::string manifest_id;
  TimestampMs created_at = 0;
  TimestampMs expires_at = 0;
  friend bool operator==(const ExportGrant&, const ExportGrant&) = default;
};

// The manifest of the image's OS disk (no lun) or of its data disk `lun`. InvalidArgument
// (InvalidParameter, target "lun") when no data disk has that lun; FailedPrecondition
// (OperationNotAllowed) when the disk has no data yet (an image still being ingested).
Result<std::string> ExportedManifest(const ManagedImage& image, std::optional<int32_t> lun);
// The same for a version's OS disk image and data disk images.
Result<std::string> ExportedManifest(const GalleryImageVersion& version,
                                     std::optional<int32_t> lun);

// A grant of `manifest_id` of `resource` with `id`, given at `now`. MissingField without an
// access; InvalidArgument (InvalidParameter, target grantAccessData.access) for Write: exports
// are read only; the duration errors of AccessExpiry (disk_rules.h).
Result<ExportGrant> NewExportGrant(const ResourceId& resource, const std::string& manifest_id,
                                   const ExportAccessInput& in, const std::string& id,
                                   TimestampMs now);

}  // namespace gallery::domain
