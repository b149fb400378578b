#include "domain/gallery_rules.h"

#include <cctype>

#include "common/resource_id.h"
#include "domain/names.h"
#include "domain/update_checks.h"

namespace gallery::domain {

Result<Gallery> NewGallery(const ResourceId& id, const GalleryInput& in, const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(ValidateGalleryName(id.Name()));
  if (!in.location.has_value()) {
    return MissingField("location");
  }
  GALLERY_ASSIGN_OR_RETURN(Region region, ctx.regions.ResolveGalleryRegion(*in.location, "location"));
  Gallery g;
  g.meta.id = id;
  g.meta.location = region.name;
  g.meta.tags = in.tags.value_or(Tags{});
  GALLERY_RETURN_IF_ERROR(ValidateTags(g.meta.tags, ctx.limits));
  g.meta.provisioning_state = ProvisioningState::kCreating;
  g.meta.created_at = g.meta.updated_at = ctx.now;
  g.description = in.description.value_or("");
  // Azure's form: the subscription id and the upper-cased gallery name.
  std::string upper = id.Name();
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  g.unique_name = id.subscription() + "-" + upper;
  g.extra = in.extra;
  return g;
}

Result<Gallery> UpdateGallery(const Gallery& current, const GalleryInput& in, UpdateMode mode,
                              const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(CheckLocationUnchanged(current.meta, in.location, ctx.regions));
  GALLERY_RETURN_IF_ERROR(CheckExtrasUnchanged(current.extra, in.extra, "gallery.properties."));
  Gallery next = current;
  if (in.description.has_value() || mode == UpdateMode::kReplace) {
    next.description = in.description.value_or("");
  }
  if (in.tags.has_value() || mode == UpdateMode::kReplace) {
    next.meta.tags = in.tags.value_or(Tags{});
  }
  GALLERY_RETURN_IF_ERROR(ValidateTags(next.meta.tags, ctx.limits));
  next.meta.provisioning_state = ProvisioningState::kUpdating;
  next.meta.updated_at = ctx.now;
  return next;
}

}  // namespace gallery::domain
