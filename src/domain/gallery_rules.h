#pragma once
// Rules for galleries: name (no dashes), location among the regions that host galleries, tags;
// only description and tags change after creation.

#include "domain/gallery.h"
#include "domain/rule_context.h"

namespace gallery::domain {

// A new gallery from a PUT body, in provisioning state Creating.
Result<Gallery> NewGallery(const ResourceId& id, const GalleryInput& in, const RuleContext& ctx);
// The gallery after a PUT (kReplace) or PATCH (kMerge), in provisioning state Updating.
// PropertyChangeNotAllowed for any change but description and tags.
Result<Gallery> UpdateGallery(const Gallery& current, const GalleryInput& in, UpdateMode mode,
                              const RuleContext& ctx);

}  // namespace gallery::domain
