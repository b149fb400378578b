#pragma once
// Rules for managed images: name; location in the catalog; an OS disk with osType and osState,
// generalized only; exactly one source per disk; unique data-disk LUNs. Only tags change after
// creation.

#include "domain/managed_image.h"
#include "domain/rule_context.h"

namespace gallery::domain {

// A new managed image from a PUT body, in provisioning state Creating. Whether the sources
// exist is the service's check.
Result<ManagedImage> NewManagedImage(const ResourceId& id, const ManagedImageInput& in,
                                     const RuleContext& ctx);
// An update: only tags change (PUT replaces them, PATCH merges); any other field present in
// `in` that differs from the image is PropertyChangeNotAllowed, in PUT and PATCH alike.
Result<ManagedImage> UpdateManagedImage(const ManagedImage& current, const ManagedImageInput& in,
                                        UpdateMode mode, const RuleContext& ctx);

}  // namespace gallery::domain
