#include "domain/resource_group_rules.h"

#include "domain/names.h"
#include "domain/update_checks.h"

namespace gallery::domain {

Result<ResourceGroup> NewResourceGroup(const ResourceId& id, const ResourceGroupInput& in,
                                       const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(ValidateResourceGroupName(id.resource_group()));
  if (!in.location.has_value()) {
    return MissingField("location");
  }
  GALLERY_ASSIGN_OR_RETURN(Region region, ctx.regions.Resolve(*in.location, "location"));
  ResourceGroup group;
  group.meta.id = id;
  group.meta.location = region.name;
  group.meta.tags = in.tags.value_or(Tags{});
  GALLERY_RETURN_IF_ERROR(ValidateTags(group.meta.tags, ctx.limits));
  group.meta.provisioning_state = ProvisioningState::kSucceeded;
  group.meta.created_at = group.meta.updated_at = ctx.now;
  return group;
}

Result<ResourceGroup> UpdateResourceGroup(const ResourceGroup& current,
                                          const ResourceGroupInput& in, UpdateMode mode,
                                          const RuleContext& ctx) {
  Status location = CheckLocationUnchanged(current.meta, in.location, ctx.regions);
  if (!location.ok()) {
    return Status::AlreadyExists("Invalid resource group location '" + in.location.value_or("") +
                                     "'. The Resource group already exists in location '" +
                                     current.meta.location + "'.",
                                 "location")
        .WithReason("InvalidResourceGroupLocation");
  }
  ResourceGroup next = current;
  if (in.tags.has_value() || mode == UpdateMode::kReplace) {
    next.meta.tags = in.tags.value_or(Tags{});
  }
  GALLERY_RETURN_IF_ERROR(ValidateTags(next.meta.tags, ctx.limits));
  next.meta.updated_at = ctx.now;
  return next;
}

}  // namespace gallery::domain
