#include "service/resource_checks.h"

namespace gallery::service {

namespace {

// "Microsoft.Compute/galleries/gal1/images/def1": ARM's way of naming a nested resource.
std::string TypedName(const ResourceId& id) {
  std::string out = id.provider();
  for (const ResourceId::Segment& s : id.segments()) {
    out += "/" + s.type + "/" + s.name;
  }
  return out;
}

// A container being deleted accepts no new or changed children.
Status BeingDeleted(const ResourceId& id) {
  return Status::FailedPrecondition("The resource '" + id.ToString() +
                                    "' is being deleted; no resource can be created or changed "
                                    "in it.")
      .WithReason("ParentResourceIsBeingDeleted");
}

}  // namespace

Status ResourceNotFound(const ResourceId& id) {
  if (id.IsResourceGroup()) {
    return Status::NotFound("Resource group '" + id.resource_group() + "' could not be found.")
        .WithReason("ResourceGroupNotFound");
  }
  return Status::NotFound("The Resource '" + TypedName(id) + "' under resource group '" +
                          id.resource_group() + "' was not found.")
      .WithReason("ResourceNotFound");
}

Status SubscriptionNotFound(const std::string& subscription) {
  return Status::NotFound("The subscription '" + subscription + "' could not be found.")
      .WithReason("SubscriptionNotFound");
}

// The subscription exists, belongs to the caller's tenant (nothing crosses tenants) and, for
// writes, is enabled.
Status CheckSubscription(metadata::Transaction& tx, const std::string& subscription,
                         const std::string& tenant, bool for_write) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> sub,
                           tx.GetSubscription(subscription));
  if (!sub.has_value() || !EqualsIgnoreCase(sub->tenant_id, tenant)) {
    return SubscriptionNotFound(subscription);
  }
  if (!for_write) {
    return Status::Ok();
  }
  if (sub->state != "Enabled") {
    return Status::FailedPrecondition("The subscription '" + subscription + "' is " + sub->state +
                                      "; it must be Enabled to create or change resources.")
        .WithReason("SubscriptionNotEnabled");
  }
  return Status::Ok();
}

// Checks that everything above `id` exists in the caller's tenant and, when `for_write`, is
// not being deleted.
Status CheckAncestors(metadata::Transaction& tx, const ResourceId& id, const std::string& tenant,
                      bool for_write) {
  GALLERY_RETURN_IF_ERROR(CheckSubscription(tx, id.subscription(), tenant, for_write));
  if (id.IsSubscription() || id.IsResourceGroup()) {
    return Status::Ok();
  }
  ResourceId group = ResourceId::ForResourceGroup(id.subscription(), id.resource_group());
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> rg, tx.GetResource(group));
  if (!rg.has_value()) {
    return ResourceNotFound(group);
  }
  if (for_write && metadata::Meta(*rg).provisioning_state == domain::ProvisioningState::kDeleting) {
    return BeingDeleted(group);
  }
  // Nested resources: every provider parent must exist.
  std::vector<ResourceId> parents;
  for (ResourceId p = id.Parent(); !p.IsResourceGroup(); p = p.Parent()) {
    parents.insert(parents.begin(), p);
  }
  for (const ResourceId& p : parents) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> parent, tx.GetResource(p));
    if (!parent.has_value()) {
      std::string path;
      for (size_t i = 0; i < p.segments().size(); ++i) {
        path += (i == 0 ? "" : "/") + p.segments()[i].name;
      }
      return Status::NotFound(
                 "Can not perform requested operation on nested resource. Parent "
                 "resource '" +
                 path + "' not found.")
          .WithReason("ParentResourceNotFound");
    }
    if (for_write &&
        metadata::Meta(*parent).provisioning_state == domain::ProvisioningState::kDeleting) {
      return BeingDeleted(p);
    }
  }
  return Status::Ok();
}

Status CheckExists(metadata::Transaction& tx, const ResourceId& id, const std::string& tenant) {
  GALLERY_RETURN_IF_ERROR(CheckAncestors(tx, id, tenant, /*for_write=*/false));
  if (id.IsSubscription()) {
    return Status::Ok();
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> found, tx.GetResource(id));
  return found.has_value() ? Status::Ok() : ResourceNotFound(id);
}

}  // namespace gallery::service
