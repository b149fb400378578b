#pragma once
// Rules for resource groups: name, location in the region catalog, tags; the location is fixed.

#include "domain/resource_group.h"
#include "domain/rule_context.h"

namespace gallery::domain {

struct ResourceGroupInput {
  std::optional<std::string> location;
  std::optional<Tags> tags;
};

Result<ResourceGroup> NewResourceGroup(const ResourceId& id, const ResourceGroupInput& in,
                                       const RuleContext& ctx);
// An update of an existing group: PUT (kReplace) replaces the tags, PATCH (kMerge) keeps them
// when absent; a different location is AlreadyExists with reason
// "InvalidResourceGroupLocation".
Result<ResourceGroup> UpdateResourceGroup(const ResourceGroup& current,
                                          const ResourceGroupInput& in, UpdateMode mode,
                                          const RuleContext& ctx);

}  // namespace gallery::domain
