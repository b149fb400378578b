#pragma once
// The existence checks every service operation makes before it reads or writes a resource,
// with the errors ARM gives: the subscription (in the caller's tenant), the resource group,
// the parents of a nested resource, and the resource itself.

#include <string>

#include "common/result.h"
#include "metadata/metadata_store.h"

namespace gallery::service {

// NotFound ResourceGroupNotFound for a group, ResourceNotFound for anything else.
Status ResourceNotFound(const ResourceId& id);
// NotFound SubscriptionNotFound.
Status SubscriptionNotFound(const std::string& subscription);

// The subscription exists, belongs to `tenant` (nothing crosses tenants) and, for writes, is
// enabled (FailedPrecondition SubscriptionNotEnabled otherwise).
Status CheckSubscription(metadata::Transaction& tx, const std::string& subscription,
                         const std::string& tenant, bool for_write);

// Checks that everything above `id` exists in `tenant` (SubscriptionNotFound,
// ResourceGroupNotFound, ParentResourceNotFound) and, when `for_write`, is not being deleted
// (FailedPrecondition ParentResourceIsBeingDeleted).
Status CheckAncestors(metadata::Transaction& tx, const ResourceId& id, const std::string& tenant,
                      bool for_write);

// CheckAncestors, then the resource `id` itself (a subscription is checked by the former):
// what a role assignment's scope must satisfy.
Status CheckExists(metadata::Transaction& tx, const ResourceId& id, const std::string& tenant);

}  // namespace gallery::service
