#pragma once
// Rules for image versions.
//
// Publishing profile: every target region is one versions may be replicated to; no region twice;
// the version's location (its source region) is one of the targets; each regional replica count
// and the common count lie in 1..limits.max_replica_count; regions without a count take the
// common count (default 1). The source (a managed image) must be in the version's location,
// generalized, and match the definition's OS type and Hyper-V generation. End of life lies in
// the future. Updatable: target regions, counts, exclude-from-latest, end of life, tags; a
// missing source on update keeps it (the Azure CLI sends `storageProfile: {}`).

#include <optional>

#include "domain/gallery_image.h"
#include "domain/gallery_image_version.h"
#include "domain/managed_image.h"
#include "domain/rule_context.h"

namespace gallery::domain {

// A new version, in provisioning state Creating, without replicas (the service plans them:
// replication/replica_plan.h).
// `source` is the managed image named by in.source_id, already looked up by the caller:
// nullptr when it does not exist (or lies in another tenant), which is InvalidArgument
// (InvalidParameter) naming the source; an input without a source id is MissingField.
Result<GalleryImageVersion> NewGalleryImageVersion(const ResourceId& id,
                                                   const GalleryImageVersionInput& in,
                                                   const GalleryImage& definition,
                                                   const ManagedImage* source,
                                                   const RuleContext& ctx);

// The version after a PUT (kReplace) or PATCH (kMerge), in provisioning state Updating, with the
// current replicas (the service re-plans them for the new profile).
Result<GalleryImageVersion> UpdateGalleryImageVersion(const GalleryImageVersion& current,
                                                      const GalleryImageVersionInput& in,
                                                      UpdateMode mode, const RuleContext& ctx);

}  // namespace gallery::domain
