#include "service/gallery_service.h"

#include "replication/replica_plan.h"

#include "access/actions.h"
#include "common/base64.h"
#include "common/log.h"
#include "domain/gallery_image_rules.h"
#include "domain/gallery_image_version_rules.h"
#include "domain/gallery_rules.h"
#include "domain/latest.h"
#include "domain/managed_image_rules.h"
#include "service/image_data.h"
#include "service/image_ingest_worker.h"
#include "service/registration_service.h"
#include "service/resource_checks.h"

namespace gallery::service {

using access::ActionOn;
using access::Verb;
using domain::OperationKind;
using domain::ProvisioningState;
using domain::UpdateMode;
using metadata::Resource;
using metadata::ResourceQuery;
using metadata::Transaction;
using metadata::TxMode;

namespace {

template <typename T>
Result<std::optional<T>> GetAs(Transaction& tx, const ResourceId& id) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<Resource> found, tx.GetResource(id));
  if (!found.has_value()) {
    return std::optional<T>();
  }
  if (T* typed = std::get_if<T>(&*found)) {
    return std::optional<T>(std::move(*typed));
  }
  return Status::Internal("The stored resource '" + id.ToString() + "' has an unexpected type.");
}

// A resource being deleted cannot be changed.
Status SelfBeingDeleted(const ResourceId& id) {
  return Status::FailedPrecondition("The resource '" + id.ToString() +
                                    "' is being deleted and cannot be changed.")
      .WithReason("ResourceIsBeingDeleted");
}

Result<std::string> DecodePageToken(const std::string& token) {
  if (token.empty()) {
    return std::string();
  }
  std::optional<std::string> key = Base64UrlDecode(token);
  if (!key.has_value() || key->empty() || (*key)[0] != '/') {
    return Status::InvalidArgument("The $skiptoken '" + token + "' is not valid.", "$skiptoken")
        .WithReason("InvalidSkipToken");
  }
  return *key;
}

}  // namespace

GalleryService::GalleryService(metadata::MetadataStore& store, const domain::RegionCatalog& regions,
                               ServiceConfig config, const Clock& clock, Random& random,
                               OperationSignal& signal, access::Authorizer& authorizer)
    : store_(store),
      regions_(regions),
      config_(std::move(config)),
      clock_(clock),
      random_(random),
      signal_(signal),
      guard_(authorizer, store) {}

domain::RuleContext GalleryService::Rules() const {
  return domain::RuleContext{regions_, config_.limits, clock_.Now()};
}

domain::Operation GalleryService::NewOperation(const RequestContext& ctx, const ResourceId& id,
                                               const std::string& location, OperationKind kind) {
  domain::Operation op;
  op.origin = OriginOf(ctx);
  op.id = NewUuid(random_);
  op.subscription = id.subscription();
  op.location = location;
  op.kind = kind;
  op.resource_id = id;
  op.start_time = clock_.Now();
  op.not_before = op.start_time + config_.operation_min_duration_ms;
  return op;
}

// ---- generic paths

template <typename T, typename Create, typename Update>
Result<Accepted<T>> GalleryService::Put(const RequestContext& ctx, const ResourceId& id,
                                        UpdateMode mode, std::optional<domain::QuotaKind> quota,
                                        Create&& create, Update&& update,
                                        bool failed_put_recreates) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, ActionOn(id, Verb::kWrite), id));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, id, ctx.caller.tenant_id, /*for_write=*/true));
  GALLERY_ASSIGN_OR_RETURN(std::optional<T> existing, GetAs<T>(*tx, id));
  Accepted<T> accepted;
  if (existing.has_value() && failed_put_recreates && mode == UpdateMode::kReplace &&
      existing->meta.provisioning_state == ProvisioningState::kFailed) {
    // Nothing of the failed resource is kept but its name (and who may use it).
    GLOG_INFO("recreate {}, whose provisioning failed", id.ToString());
    GALLERY_RETURN_IF_ERROR(DeleteManifestsOf(*tx, Resource(*existing)));
    GALLERY_ASSIGN_OR_RETURN(accepted.resource, create(*tx));
    accepted.created = true;
  } else if (!existing.has_value()) {
    if (mode == UpdateMode::kMerge) {
      return ResourceNotFound(id);
    }
    GALLERY_ASSIGN_OR_RETURN(accepted.resource, create(*tx));
    if (quota.has_value()) {
      ResourceQuery q;
      q.subscription = id.subscription();
      q.type = T::kType;
      q.location = accepted.resource.meta.location;
      GALLERY_ASSIGN_OR_RETURN(int64_t used, tx->CountResources(q));
      GALLERY_RETURN_IF_ERROR(domain::CheckQuota(*quota, used, config_.limits.quotas,
                                                 accepted.resource.meta.location,
                                                 id.subscription()));
    }
    accepted.created = true;
  } else {
    if (existing->meta.provisioning_state == ProvisioningState::kDeleting) {
      return SelfBeingDeleted(id);
    }
    GALLERY_ASSIGN_OR_RETURN(accepted.resource, update(*tx, *existing));
    accepted.resource.meta.created_at = existing->meta.created_at;
    // A resource whose creation has not completed is still being created: it must not look
    // provisioned (and usable as "latest") before it ever was.
    if (existing->meta.provisioning_state == ProvisioningState::kCreating) {
      accepted.resource.meta.provisioning_state = ProvisioningState::kCreating;
    }
  }
  accepted.operation =
      NewOperation(ctx, id, accepted.resource.meta.location,
                   accepted.created ? OperationKind::kCreate : OperationKind::kUpdate);
  accepted.resource.meta.operation_id = accepted.operation.id;
  GALLERY_RETURN_IF_ERROR(tx->PutResource(accepted.resource));
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(accepted.operation));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("{} {} by {} (operation {}, correlation {})",
            accepted.created ? "create" : "update", id.ToString(), ctx.caller.object_id,
            accepted.operation.id, ctx.correlation_id);
  signal_.Notify();
  return accepted;
}

Result<std::shared_ptr<const Resource>> GalleryService::GetResource(const RequestContext& ctx,
                                                                    const ResourceId& id) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, ActionOn(id, Verb::kRead), id));
  // The hit is one point read; only a miss pays for a transaction that says what is missing:
  // the subscription, the group, a parent, or the resource itself.
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Resource> found, store_.FindResource(id));
  if (found != nullptr) {
    return found;
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
  GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, id, ctx.caller.tenant_id, /*for_write=*/false));
  return ResourceNotFound(id);
}

template <typename T>
Result<T> GalleryService::Get(const RequestContext& ctx, const ResourceId& id) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Resource> found, GetResource(ctx, id));
  if (const T* typed = std::get_if<T>(found.get())) {
    return *typed;
  }
  return Status::Internal("The stored resource '" + id.ToString() + "' has an unexpected type.");
}

template <typename T>
Result<Page<T>> GalleryService::List(const RequestContext& ctx, const ResourceQuery& base,
                                     const std::string& page_token) {
  ResourceQuery query = base;
  query.type = T::kType;
  query.limit = config_.limits.list_page_size;
  GALLERY_ASSIGN_OR_RETURN(query.after_key, DecodePageToken(page_token));
  // The container listed; a page token is a position inside it, one from elsewhere is forged
  // or stale.
  const ResourceId scope =
      query.parent.has_value() ? *query.parent
      : query.resource_group.empty()
          ? ResourceId::ForSubscription(query.subscription)
          : ResourceId::ForResourceGroup(query.subscription, query.resource_group);
  const std::string scope_key = scope.Key() + "/";
  if (!query.after_key.empty() && query.after_key.compare(0, scope_key.size(), scope_key) != 0) {
    return Status::InvalidArgument("The $skiptoken '" + page_token +
                                       "' does not belong to this list.",
                                   "$skiptoken")
        .WithReason("InvalidSkipToken");
  }
  const std::string read = ActionOn(T::kType, Verb::kRead);
  GALLERY_ASSIGN_OR_RETURN(ListAccess access, guard_.ForList(ctx, read, scope));
  {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
    GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, scope, ctx.caller.tenant_id, /*for_write=*/false));
    if (query.parent.has_value() || !query.resource_group.empty()) {
      GALLERY_ASSIGN_OR_RETURN(std::optional<Resource> container, tx->GetResource(scope));
      if (!container.has_value() && !scope.IsSubscription()) {
        return ResourceNotFound(scope);
      }
    }
  }
  // Item by item, a page may need several store pages; the scan is bounded, and a page cut
  // short still carries the position to go on from. No read transaction is held while access
  // is checked: a check may read the store itself, and requests that each held a connection
  // while waiting for another would exhaust the pool.
  constexpr int kMaxStorePages = 16;
  Page<T> out;
  for (int round = 0; round < kMaxStorePages; ++round) {
    metadata::ResourcePage page;
    {
      GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
      GALLERY_ASSIGN_OR_RETURN(page, tx->ListResources(query));
    }
    for (size_t i = 0; i < page.items.size(); ++i) {
      T* typed = std::get_if<T>(&page.items[i]);
      if (typed == nullptr) {
        continue;
      }
      if (access == ListAccess::kItemwise) {
        GALLERY_ASSIGN_OR_RETURN(bool readable, guard_.Allowed(ctx, read, typed->meta.id));
        if (!readable) {
          continue;
        }
      }
      out.items.push_back(std::move(*typed));
      const bool more = i + 1 < page.items.size() || !page.next_key.empty();
      if (static_cast<int32_t>(out.items.size()) == query.limit && more) {
        out.next_token = Base64UrlEncode(out.items.back().meta.id.Key());
        return out;
      }
    }
    if (page.next_key.empty()) {
      return out;
    }
    query.after_key = page.next_key;
  }
  out.next_token = Base64UrlEncode(query.after_key);
  return out;
}

// ---- subscriptions

Result<std::vector<domain::Subscription>> GalleryService::ListSubscriptions(
    const RequestContext& ctx) {
  std::vector<domain::Subscription> all;
  {  // released before the access checks, which may read the store themselves
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(all, tx->ListSubscriptions());
  }
  std::vector<domain::Subscription> mine;
  for (domain::Subscription& s : all) {
    if (!EqualsIgnoreCase(s.tenant_id, ctx.caller.tenant_id)) {
      continue;
    }
    GALLERY_ASSIGN_OR_RETURN(bool visible,
                             guard_.HoldsRoleWithin(ctx, ResourceId::ForSubscription(s.id)));
    if (visible) {
      mine.push_back(std::move(s));
    }
  }
  return mine;
}

Result<std::vector<domain::Tenant>> GalleryService::ListTenants(const RequestContext& ctx) {
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Tenant> tenant,
                           tx->GetTenant(ctx.caller.tenant_id));
  std::vector<domain::Tenant> out;
  if (tenant.has_value()) {
    out.push_back(std::move(*tenant));
  }
  return out;
}

Result<domain::Subscription> GalleryService::GetSubscription(const RequestContext& ctx,
                                                             const std::string& subscription) {
  std::optional<domain::Subscription> sub;
  {  // released before the access check, which may read the store itself
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(sub, tx->GetSubscription(subscription));
  }
  if (!sub.has_value() || !EqualsIgnoreCase(sub->tenant_id, ctx.caller.tenant_id)) {
    return SubscriptionNotFound(subscription);
  }
  // A subscription where the caller holds no role is not one of its subscriptions.
  GALLERY_ASSIGN_OR_RETURN(bool visible,
                           guard_.HoldsRoleWithin(ctx, ResourceId::ForSubscription(sub->id)));
  if (!visible) {
    return SubscriptionNotFound(subscription);
  }
  return *sub;
}

// ---- resource groups

Result<Accepted<domain::ResourceGroup>> GalleryService::PutResourceGroup(
    const RequestContext& ctx, const ResourceId& id, const domain::ResourceGroupInput& in,
    UpdateMode mode) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, ActionOn(id, Verb::kWrite), id));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckSubscription(*tx, id.subscription(), ctx.caller.tenant_id, true));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::ResourceGroup> existing,
                           GetAs<domain::ResourceGroup>(*tx, id));
  Accepted<domain::ResourceGroup> accepted;
  if (existing.has_value()) {
    if (existing->meta.provisioning_state == ProvisioningState::kDeleting) {
      return SelfBeingDeleted(id);
    }
    GALLERY_ASSIGN_OR_RETURN(accepted.resource,
                             UpdateResourceGroup(*existing, in, mode, Rules()));
  } else if (mode == UpdateMode::kMerge) {
    return ResourceNotFound(id);
  } else {
    GALLERY_ASSIGN_OR_RETURN(accepted.resource, NewResourceGroup(id, in, Rules()));
    accepted.created = true;
  }
  GALLERY_RETURN_IF_ERROR(tx->PutResource(accepted.resource));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("{} {} by {}", accepted.created ? "create" : "update", id.ToString(),
            ctx.caller.object_id);
  return accepted;
}

Result<domain::ResourceGroup> GalleryService::GetResourceGroup(const RequestContext& ctx,
                                                               const ResourceId& id) {
  return Get<domain::ResourceGroup>(ctx, id);
}

Result<Page<domain::ResourceGroup>> GalleryService::ListResourceGroups(
    const RequestContext& ctx, const std::string& subscription, const std::string& page_token) {
  ResourceQuery q;
  q.subscription = subscription;
  return List<domain::ResourceGroup>(ctx, q, page_token);
}

Result<std::optional<domain::Operation>> GalleryService::DeleteResourceGroup(
    const RequestContext& ctx, const ResourceId& id) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> op, DeleteResource(ctx, id));
  if (!op.has_value()) {
    return ResourceNotFound(id);  // ARM: a group that is not there is an error, not a 204
  }
  return op;
}

// ---- galleries

Result<Accepted<domain::Gallery>> GalleryService::PutGallery(const RequestContext& ctx,
                                                             const ResourceId& id,
                                                             const domain::GalleryInput& in,
                                                             UpdateMode mode) {
  return Put<domain::Gallery>(
      ctx, id, mode, domain::QuotaKind::kGalleries,
      [&](Transaction& tx) -> Result<domain::Gallery> {
        if (config_.require_feature_registration) {
          GALLERY_RETURN_IF_ERROR(RequireGalleryPreview(tx, id.subscription(), clock_.Now(),
                                                        config_.registration_delay_ms));
        }
        // identifier.uniqueName is "{subscription}-{NAME}": it identifies one gallery only if
        // the name is unique in the subscription, not just in its resource group.
        ResourceQuery galleries;
        galleries.subscription = id.subscription();
        galleries.type = domain::Gallery::kType;
        GALLERY_ASSIGN_OR_RETURN(metadata::ResourcePage page, tx.ListResources(galleries));
        for (const Resource& r : page.items) {
          const ResourceId& other = metadata::Meta(r).id;
          if (EqualsIgnoreCase(other.Name(), id.Name())) {
            return Status::AlreadyExists("The gallery name '" + id.Name() +
                                             "' is not unique within the subscription '" +
                                             id.subscription() + "': gallery " +
                                             other.ToString() +
                                             " has it. Please pick another gallery name.",
                                         "name")
                .WithReason("GalleryNameNotUnique");
          }
        }
        return domain::NewGallery(id, in, Rules());
      },
      [&](Transaction&, const domain::Gallery& current) {
        return domain::UpdateGallery(current, in, mode, Rules());
      });
}

Result<Accepted<domain::GalleryImage>> GalleryService::PutGalleryImage(
    const RequestContext& ctx, const ResourceId& id, const domain::GalleryImageInput& in,
    UpdateMode mode) {
  auto create = [&](Transaction& tx) -> Result<domain::GalleryImage> {
    GALLERY_ASSIGN_OR_RETURN(domain::GalleryImage image, domain::NewGalleryImage(id, in, Rules()));
    ResourceQuery siblings;
    siblings.subscription = id.subscription();
    siblings.parent = id.Parent();
    siblings.type = domain::GalleryImage::kType;
    GALLERY_ASSIGN_OR_RETURN(metadata::ResourcePage page, tx.ListResources(siblings));
    std::vector<domain::GalleryImage> others;
    for (Resource& r : page.items) {
      if (auto* def = std::get_if<domain::GalleryImage>(&r)) {
        others.push_back(std::move(*def));
      }
    }
    GALLERY_RETURN_IF_ERROR(domain::CheckIdentifierUnique(image, others));
    return image;
  };
  return Put<domain::GalleryImage>(
      ctx, id, mode, domain::QuotaKind::kImageDefinitions, create,
      [&](Transaction&, const domain::GalleryImage& current) {
        return domain::UpdateGalleryImage(current, in, mode, Rules());
      });
}

Result<Accepted<domain::GalleryImageVersion>> GalleryService::PutGalleryImageVersion(
    const RequestContext& ctx, const ResourceId& id, const domain::GalleryImageVersionInput& in,
    UpdateMode mode) {
  auto create = [&](Transaction& tx) -> Result<domain::GalleryImageVersion> {
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::GalleryImage> definition,
                             GetAs<domain::GalleryImage>(tx, id.Parent()));
    if (!definition.has_value()) {
      return ResourceNotFound(id.Parent());
    }
    std::optional<domain::ManagedImage> source;
    if (in.source_id.has_value() && !in.source_id->empty()) {
      Result<ResourceId> source_id = ResourceId::Parse(*in.source_id);
      if (!source_id.ok()) {
        return Status::InvalidArgument(source_id.status().message(), in.source_field)
            .WithReason("InvalidParameter");
      }
      if (!EqualsIgnoreCase(source_id->Type(), domain::ManagedImage::kType)) {
        return Status::InvalidArgument(
                   "The source '" + *in.source_id + "' of type '" + source_id->Type() +
                       "' is not supported: the source must be a managed image "
                       "(Microsoft.Compute/images).",
                   in.source_field)
            .WithReason("InvalidParameter");
      }
      GALLERY_ASSIGN_OR_RETURN(source, VersionSource(ctx, tx, id, *source_id));
    }
    GALLERY_ASSIGN_OR_RETURN(
        domain::GalleryImageVersion version,
        domain::NewGalleryImageVersion(id, in, *definition,
                                       source.has_value() ? &*source : nullptr, Rules()));
    if (image_data_ != nullptr && source.has_value()) {
      // The version's replica in its source region: the image's manifests, copied as records.
      GALLERY_RETURN_IF_ERROR(image_data_->CopyImageManifests(tx, *source, &version, clock_.Now()));
    }
    GALLERY_RETURN_IF_ERROR(PlanReplicas(tx, &version));
    return version;
  };
  return Put<domain::GalleryImageVersion>(
      ctx, id, mode, domain::QuotaKind::kImageVersions, create,
      [&](Transaction& tx, const domain::GalleryImageVersion& current)
          -> Result<domain::GalleryImageVersion> {
        GALLERY_ASSIGN_OR_RETURN(domain::GalleryImageVersion next,
                                 domain::UpdateGalleryImageVersion(current, in, mode, Rules()));
        GALLERY_RETURN_IF_ERROR(PlanReplicas(tx, &next));
        return next;
      });
}

Status GalleryService::PlanReplicas(Transaction& tx, domain::GalleryImageVersion* version) {
  const auto stores = [this](const std::string& region) { return regions_.StoreNamesOf(region); };
  // A request that names the profile again gives failed replicas a new start.
  std::vector<domain::Replica> removed =
      replication::Reconcile(version, stores, {.retry_failed = true});
  for (const domain::Replica& replica : removed) {
    for (const std::string& manifest : replica.manifests) {
      Status deleted = tx.DeleteManifest(manifest);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
        return deleted;
      }
    }
  }
  return Status::Ok();
}

Result<std::optional<domain::ManagedImage>> GalleryService::VersionSource(
    const RequestContext& ctx, Transaction& tx, const ResourceId& version,
    const ResourceId& source) {
  // Sharing works inside one tenant: a source in a subscription of another tenant is refused
  // whatever roles say. Any subscription of the caller's tenant may hold it.
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> source_sub,
                           tx.GetSubscription(source.subscription()));
  if (source_sub.has_value() && !EqualsIgnoreCase(source_sub->tenant_id, ctx.caller.tenant_id)) {
    return Status::PermissionDenied(
               "The source '" + source.ToString() + "' is in subscription '" +
               source.subscription() +
               "', which belongs to another tenant. Images are shared only inside one tenant: "
               "a version can be made from a managed image of any subscription of the "
               "caller's own tenant, never of another tenant.")
        .WithReason("CrossTenantSourceNotAllowed");
  }
  const std::string read = ActionOn(source, Verb::kRead);
  GALLERY_ASSIGN_OR_RETURN(bool readable, guard_.Allowed(ctx, read, source));
  if (!readable && source_sub.has_value()) {
    return Status::PermissionDenied(
               "The client '" + ctx.caller.display_name + "' with object id '" +
               ctx.caller.object_id + "' has permission to perform action '" +
               ActionOn(version, Verb::kWrite) + "' on scope '" + version.ToString() +
               "'; however, it does not have permission to perform action '" + read +
               "' on the linked scope(s) '" + source.ToString() +
               "' or the linked scope(s) are invalid.")
        .WithReason("LinkedAuthorizationFailed");
  }
  if (!source_sub.has_value()) {
    return std::optional<domain::ManagedImage>();  // the rules report a missing source
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::ManagedImage> image,
                           GetAs<domain::ManagedImage>(tx, source));
  // An image on its way out is no source: treat it as missing.
  if (image.has_value() && image->meta.provisioning_state == ProvisioningState::kDeleting) {
    image.reset();
  }
  // One that failed is there (az image show lists it), but holds no data to copy.
  if (image.has_value() && image->meta.provisioning_state == ProvisioningState::kFailed) {
    return Status::FailedPrecondition(
               "The managed image '" + source.ToString() +
               "' cannot be the source of a version: its provisioning state is 'Failed', so it "
               "holds no disk data. Create the image again with a valid source (a PUT of the "
               "same name replaces a failed image), then create the version.")
        .WithReason("OperationNotAllowed");
  }
  // An image whose blob is still being ingested has no data to copy yet.
  if (image.has_value() && image_data_ != nullptr &&
      image->meta.provisioning_state == ProvisioningState::kCreating && AwaitsIngest(*image)) {
    return Status::FailedPrecondition("The managed image '" + source.ToString() +
                                      "' is still being created: its disk data is not stored "
                                      "yet. Wait for it to succeed, then create the version.")
        .WithReason("OperationNotAllowed");
  }
  return image;
}

Status GalleryService::ImageDiskData(const RequestContext& ctx, Transaction& tx,
                                     const domain::ManagedImage& image, const std::string& field,
                                     domain::ImageDisk* disk) {
  if (!disk->snapshot_id.empty()) {
    return Status::InvalidArgument("The snapshot source '" + disk->snapshot_id + "' of " + field +
                                       " is not supported: this service does not serve "
                                       "snapshots. Create the image from a managed disk or from "
                                       "a VHD blob on this server.",
                                   field + ".snapshot.id")
        .WithReason("InvalidParameter");
  }
  if (!disk->blob_uri.empty()) {
    // Checked now, ingested by the image's operation (image_ingest_worker.h).
    return image_data_->ServedBlob(disk->blob_uri, field + ".blobUri").status();
  }
  const std::string target = field + ".managedDisk.id";
  Result<ResourceId> disk_id = ResourceId::Parse(disk->managed_disk_id);
  if (!disk_id.ok() || !EqualsIgnoreCase(disk_id->Type(), domain::Disk::kType)) {
    return Status::InvalidArgument("The source '" + disk->managed_disk_id + "' of " + target +
                                       " is not a managed disk id "
                                       "(/subscriptions/{s}/resourceGroups/{g}/providers/"
                                       "Microsoft.Compute/disks/{name}).",
                                   target)
        .WithReason("InvalidParameter");
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> sub,
                           tx.GetSubscription(disk_id->subscription()));
  const std::string read = ActionOn(*disk_id, Verb::kRead);
  GALLERY_ASSIGN_OR_RETURN(bool readable, guard_.Allowed(ctx, read, *disk_id));
  if (!sub.has_value() || !EqualsIgnoreCase(sub->tenant_id, ctx.caller.tenant_id) || !readable) {
    return Status::PermissionDenied(
               "The client '" + ctx.caller.display_name + "' with object id '" +
               ctx.caller.object_id + "' does not have permission to perform action '" + read +
               "' on the linked scope '" + disk_id->ToString() + "'.")
        .WithReason("LinkedAuthorizationFailed");
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Disk> source, GetAs<domain::Disk>(tx, *disk_id));
  if (!source.has_value()) {
    return Status::InvalidArgument("Source " + disk->managed_disk_id + " of " + field +
                                       " is not found. Please check the source exists and is in "
                                       "the same region as the image.",
                                   target)
        .WithReason("InvalidParameter");
  }
  if (!EqualsIgnoreCase(source->meta.location, image.meta.location)) {
    return Status::InvalidArgument("The disk '" + disk->managed_disk_id + "' is in region '" +
                                       source->meta.location + "'; the image is in '" +
                                       image.meta.location +
                                       "'. An image is made from disks of its own region.",
                                   target)
        .WithReason("InvalidParameter");
  }
  if (source->state != domain::DiskState::kUnattached || source->manifest_id.empty()) {
    return Status::FailedPrecondition(
               "The disk '" + disk->managed_disk_id + "' is " +
               std::string(domain::ToString(source->state)) +
               ": an image is made only from a sealed disk (Unattached). Finish its upload "
               "(endGetAccess) or end its read access first.")
        .WithReason("OperationNotAllowed");
  }
  GALLERY_ASSIGN_OR_RETURN(disk->size_bytes, image_data_->ManifestSize(tx, source->manifest_id,
                                                                       source->disk_size_bytes));
  GALLERY_ASSIGN_OR_RETURN(
      disk->manifest_id,
      image_data_->CopyManifest(tx, source->manifest_id, image.meta.location, clock_.Now()));
  disk->disk_size_gb = domain::SizeInGiB(disk->size_bytes);
  // The uploaded VHD's footer goes with its bytes: the image exports that VHD as it was.
  disk->vhd_footer = source->vhd_footer;
  return Status::Ok();
}

Result<Accepted<domain::ManagedImage>> GalleryService::PutManagedImage(
    const RequestContext& ctx, const ResourceId& id, const domain::ManagedImageInput& in,
    UpdateMode mode) {
  auto create = [&](Transaction& tx) -> Result<domain::ManagedImage> {
    GALLERY_ASSIGN_OR_RETURN(domain::ManagedImage image, domain::NewManagedImage(id, in, Rules()));
    // Disk and snapshot sources must exist; blob sources are read when image data is ingested.
    std::vector<std::pair<domain::ImageDisk*, std::string>> disks{
        {&image.os_disk, "image.properties.storageProfile.osDisk"}};
    for (size_t i = 0; i < image.data_disks.size(); ++i) {
      disks.push_back({&image.data_disks[i], "image.properties.storageProfile.dataDisks[" +
                                                 std::to_string(i) + "]"});
    }
    if (image_data_ != nullptr) {
      for (const auto& [disk, field] : disks) {
        GALLERY_RETURN_IF_ERROR(ImageDiskData(ctx, tx, image, field, disk));
      }
      return image;
    }
    for (const auto& [disk, field] : disks) {
      const std::string& ref = !disk->managed_disk_id.empty() ? disk->managed_disk_id
                                                               : disk->snapshot_id;
      if (ref.empty()) {
        continue;
      }
      Result<ResourceId> ref_id = ResourceId::Parse(ref);
      if (!ref_id.ok()) {
        return Status::InvalidArgument(ref_id.status().message(), field)
            .WithReason("InvalidParameter");
      }
      GALLERY_ASSIGN_OR_RETURN(std::optional<Resource> found, tx.GetResource(*ref_id));
      if (!found.has_value()) {
        return Status::InvalidArgument("Source " + ref + " of " + field +
                                " is not found. Please check the source exists and is in the "
                                "same region as the image.",
                                field)
            .WithReason("InvalidParameter");
      }
    }
    return image;
  };
  return Put<domain::ManagedImage>(
      ctx, id, mode, std::nullopt, create,
      [&](Transaction&, const domain::ManagedImage& current) {
        return domain::UpdateManagedImage(current, in, mode, Rules());
      },
      /*failed_put_recreates=*/true);
}

Result<domain::Gallery> GalleryService::GetGallery(const RequestContext& ctx,
                                                   const ResourceId& id) {
  return Get<domain::Gallery>(ctx, id);
}

Result<domain::GalleryImage> GalleryService::GetGalleryImage(const RequestContext& ctx,
                                                             const ResourceId& id) {
  return Get<domain::GalleryImage>(ctx, id);
}

Result<domain::GalleryImageVersion> GalleryService::GetGalleryImageVersion(
    const RequestContext& ctx, const ResourceId& id) {
  return Get<domain::GalleryImageVersion>(ctx, id);
}

Result<domain::ManagedImage> GalleryService::GetManagedImage(const RequestContext& ctx,
                                                             const ResourceId& id) {
  return Get<domain::ManagedImage>(ctx, id);
}

Result<Page<domain::Gallery>> GalleryService::ListGalleries(const RequestContext& ctx,
                                                            const ListScope& scope,
                                                            const std::string& page_token) {
  ResourceQuery q;
  q.subscription = scope.subscription;
  q.resource_group = scope.resource_group;
  return List<domain::Gallery>(ctx, q, page_token);
}

Result<Page<domain::GalleryImage>> GalleryService::ListGalleryImages(
    const RequestContext& ctx, const ResourceId& gallery, const std::string& page_token) {
  ResourceQuery q;
  q.subscription = gallery.subscription();
  q.parent = gallery;
  return List<domain::GalleryImage>(ctx, q, page_token);
}

Result<Page<domain::GalleryImageVersion>> GalleryService::ListGalleryImageVersions(
    const RequestContext& ctx, const ResourceId& definition, const std::string& page_token) {
  ResourceQuery q;
  q.subscription = definition.subscription();
  q.parent = definition;
  return List<domain::GalleryImageVersion>(ctx, q, page_token);
}

Result<Page<domain::ManagedImage>> GalleryService::ListManagedImages(
    const RequestContext& ctx, const ListScope& scope, const std::string& page_token) {
  ResourceQuery q;
  q.subscription = scope.subscription;
  q.resource_group = scope.resource_group;
  return List<domain::ManagedImage>(ctx, q, page_token);
}

Result<Page<domain::Disk>> GalleryService::ListDisks(const RequestContext& ctx,
                                                     const ListScope& scope,
                                                     const std::string& page_token) {
  ResourceQuery q;
  q.subscription = scope.subscription;
  q.resource_group = scope.resource_group;
  return List<domain::Disk>(ctx, q, page_token);
}

Result<std::optional<domain::Operation>> GalleryService::DeleteResource(const RequestContext& ctx,
                                                                        const ResourceId& id) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, ActionOn(id, Verb::kDelete), id));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<Resource> found, tx->GetResource(id));
  if (!found.has_value()) {
    // ARM: deleting what is not there succeeds (204), but a missing container is an error.
    GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, id, ctx.caller.tenant_id, /*for_write=*/false));
    return std::optional<domain::Operation>();
  }
  if (!EqualsIgnoreCase(metadata::TypeOf(*found), id.Type())) {
    return Status::Internal("The stored resource '" + id.ToString() + "' has another type.");
  }
  domain::TrackedResource& meta = metadata::Meta(*found);
  if (meta.provisioning_state == ProvisioningState::kDeleting && !meta.operation_id.empty()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> running,
                             tx->GetOperation(meta.operation_id));
    if (running.has_value() && !running->terminal()) {
      return running;  // a second DELETE joins the first
    }
  }
  if (!id.IsResourceGroup()) {
    ResourceQuery children;
    children.subscription = id.subscription();
    children.parent = id;
    children.limit = 1;
    GALLERY_ASSIGN_OR_RETURN(metadata::ResourcePage page, tx->ListResources(children));
    if (!page.items.empty()) {
      return Status::FailedPrecondition(
                 "Can not delete resource before nested resources are deleted: '" +
                 id.ToString() + "' still contains '" +
                 metadata::Meta(page.items.front()).id.Name() +
                 "'. Delete its nested resources first.")
          .WithReason("CannotDeleteResource");
    }
  }
  domain::Operation op = NewOperation(ctx, id, meta.location, OperationKind::kDelete);
  meta.provisioning_state = ProvisioningState::kDeleting;
  meta.operation_id = op.id;
  meta.updated_at = op.start_time;
  GALLERY_RETURN_IF_ERROR(tx->PutResource(*found));
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("delete {} by {} (operation {}, correlation {})", id.ToString(),
            ctx.caller.object_id, op.id, ctx.correlation_id);
  signal_.Notify();
  return std::optional<domain::Operation>(std::move(op));
}

Result<domain::GalleryImageVersion> GalleryService::ResolveLatestVersion(
    const RequestContext& ctx, const ResourceId& definition,
    const std::optional<std::string>& region) {
  std::optional<std::string> region_name;
  if (region.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(domain::Region r, regions_.Resolve(*region, "location"));
    region_name = r.name;
  }
  // The list checks versions/read at the definition (or shows the versions the caller may
  // read) and that the definition exists.
  std::vector<domain::GalleryImageVersion> versions;
  std::string token;
  do {
    GALLERY_ASSIGN_OR_RETURN(Page<domain::GalleryImageVersion> page,
                             ListGalleryImageVersions(ctx, definition, token));
    for (auto& v : page.items) {
      versions.push_back(std::move(v));
    }
    token = page.next_token;
  } while (!token.empty());
  std::optional<size_t> latest = domain::ResolveLatest(versions, region_name);
  if (!latest.has_value()) {
    return Status::NotFound("The image definition '" + definition.Name() +
                            "' has no version that can be used as latest" +
                            (region_name ? " in region '" + *region_name + "'" : std::string()) +
                            ": every version is excluded from latest, not yet provisioned, or "
                            "not replicated there.")
        .WithReason("NoLatestVersion");
  }
  return std::move(versions[*latest]);
}

Result<std::vector<domain::QuotaUsage>> GalleryService::ListUsages(
    const RequestContext& ctx, const std::string& subscription, const std::string& location) {
  GALLERY_ASSIGN_OR_RETURN(domain::Region region, regions_.Resolve(location, "location"));
  GALLERY_RETURN_IF_ERROR(
      guard_.Require(ctx, access::kUsagesRead, ResourceId::ForSubscription(subscription)));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
  GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, ResourceId::ForSubscription(subscription),
                                         ctx.caller.tenant_id, false));
  std::vector<domain::QuotaUsage> out;
  const std::pair<domain::QuotaKind, const char*> kinds[] = {
      {domain::QuotaKind::kGalleries, domain::Gallery::kType},
      {domain::QuotaKind::kImageDefinitions, domain::GalleryImage::kType},
      {domain::QuotaKind::kImageVersions, domain::GalleryImageVersion::kType}};
  for (const auto& [kind, type] : kinds) {
    ResourceQuery q;
    q.subscription = subscription;
    q.type = type;
    q.location = region.name;
    GALLERY_ASSIGN_OR_RETURN(int64_t used, tx->CountResources(q));
    out.push_back(domain::MakeQuotaUsage(kind, used, config_.limits.quotas));
  }
  return out;
}

Status GalleryService::MoveResources(const RequestContext& ctx, const ResourceId& source_group,
                                     const std::vector<std::string>& resource_ids,
                                     const std::string& target_group) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kMoveResources, source_group));
  if (resource_ids.empty()) {
    return Status::InvalidArgument("The request names no resources to move.", "resources")
        .WithReason("InvalidParameter");
  }
  Result<ResourceId> target = ResourceId::Parse(target_group);
  if (!target.ok() || !target->IsResourceGroup()) {
    return Status::InvalidArgument("The target resource group '" + target_group +
                                       "' is not a resource group id "
                                       "(/subscriptions/{id}/resourceGroups/{name}).",
                                   "targetResourceGroup")
        .WithReason("InvalidParameter");
  }
  for (const std::string& text : resource_ids) {
    Result<ResourceId> id = ResourceId::Parse(text);
    if (!id.ok() || !source_group.Contains(*id) || id->IsResourceGroup()) {
      return Status::InvalidArgument("The resource '" + text + "' is not a resource of group '" +
                                         source_group.ToString() + "'.",
                                     "resources")
          .WithReason("InvalidParameter");
    }
  }
  Result<ResourceId> first = ResourceId::Parse(resource_ids.front());
  const std::string type = first->Type();
  if (ToLower(type).rfind("microsoft.compute/galleries", 0) == 0) {
    return Status::FailedPrecondition(
               "The resource '" + resource_ids.front() + "' of type '" + type +
               "' cannot be moved to another resource group or subscription: a gallery, its "
               "image definitions and image versions stay where they were created. Replicate "
               "versions to other regions, and share them with other subscriptions through "
               "role-based access control.")
        .WithReason("ResourceMoveNotSupported");
  }
  return Status::FailedPrecondition("The resource '" + resource_ids.front() + "' of type '" +
                                    type + "' cannot be moved: this service does not move "
                                    "resources between groups or subscriptions.")
      .WithReason("ResourceMoveNotSupported");
}

Result<domain::Operation> GalleryService::GetOperation(const RequestContext& ctx,
                                                       const std::string& subscription,
                                                       const std::string& operation_id) {
  std::optional<domain::Operation> op;
  {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(op, tx->GetOperation(operation_id));
  }
  if (!op.has_value() || !EqualsIgnoreCase(op->subscription, subscription)) {
    return Status::NotFound("The operation '" + operation_id + "' was not found.")
        .WithReason("OperationNotFound");
  }
  // An operation is as readable as the resource it works on.
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kOperationsRead, op->resource_id,
                                         "/subscriptions/" + op->subscription +
                                             "/providers/Microsoft.Compute/locations/" +
                                             op->location + "/operations/" + op->id));
  return *op;
}

}  // namespace gallery::service
