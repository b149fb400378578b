#pragma once
// GalleryService: the operations users perform on the resource model, the one place where the
// domain rules, the metadata store, quotas and long-running operations meet.
//
// Mutations (Put*, Delete*) validate the request, check parents and quotas, and write the
// resource together with a durable Operation in one transaction; the resource is returned in
// its transitional state (Creating, Updating, Deleting) and the OperationRunner completes it.
// Reads return the stored state. Subscriptions of another tenant than the caller's do not
// exist for it.
// Access: every operation first checks the ARM action of its resource type and verb at the
// resource (access/actions.h): `{type}/read`, `{type}/write` (PUT and PATCH), `{type}/delete`;
// lists check `{item type}/read` at the listed scope and, for a caller holding roles only
// below it, show the items it may read; a caller holding no role anywhere in a subscription
// does not see it. Refusals are PermissionDenied AuthorizationFailed (service/access_guard.h).
// Errors (StatusCode, reason):
//   NotFound: SubscriptionNotFound, ResourceGroupNotFound, ParentResourceNotFound,
//             ResourceNotFound;
//   InvalidArgument: the rules' reasons (InvalidParameter, PropertyChangeNotAllowed, ...);
//   FailedPrecondition: CannotDeleteResource (children exist), ParentResourceIsBeingDeleted,
//             SubscriptionNotEnabled;
//   ResourceExhausted: *QuotaExceeded.
// Thread-safe: every call runs in its own transaction(s).
//
//   auto accepted = service.PutGallery(ctx, id, input, UpdateMode::kReplace);
//   if (!accepted.ok()) return ToArmError(accepted.status());
//   Render(accepted->resource); AsyncHeaders(accepted->operation);

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/authorizer.h"
#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/disk.h"
#include "domain/gallery.h"
#include "domain/gallery_image.h"
#include "domain/disk.h"
#include "domain/gallery_image_version.h"
#include "domain/managed_image.h"
#include "domain/operation.h"
#include "domain/quota.h"
#include "domain/region_catalog.h"
#include "domain/resource_group.h"
#include "domain/resource_group_rules.h"
#include "domain/rule_context.h"
#include "metadata/metadata_store.h"
#include "service/access_guard.h"
#include "service/image_data.h"
#include "service/request_context.h"
#include "service/service_config.h"

namespace gallery::service {

// A mutation the service accepted: the resource as stored now, whether it was new, and the
// operation that will complete it.
template <typename T>
struct Accepted {
  T resource;
  bool created = false;
  domain::Operation operation;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // opaque; empty on the last page
};

// Where a list looks: a whole subscription, one resource group, or one parent resource.
struct ListScope {
  std::string subscription;
  std::string resource_group;       // empty: the whole subscription
  std::optional<ResourceId> parent;  // set: direct children of this resource
};

// Wakes the operation runner when new work is recorded.
class OperationSignal {
 public:
  virtual ~OperationSignal() = default;
  virtual void Notify() = 0;
  // `op` was made terminal outside the runner (work that failed for good): the runner tells
  // the activity log, as for the operations it completes itself.
  virtual void Ended(const domain::Operation& op) = 0;
};

class GalleryService {
 public:
  // None of the references may be null; all must outlive the service.
  GalleryService(metadata::MetadataStore& store, const domain::RegionCatalog& regions,
                 ServiceConfig config, const Clock& clock, Random& random, OperationSignal& signal,
                 access::Authorizer& authorizer);

  const domain::RegionCatalog& regions() const { return regions_; }

  // Managed images and versions carry data (image_data.h) once this is set; without it they
  // are metadata only (blob URIs anywhere, disk sources only checked to exist). `data` must
  // outlive the service; set before requests arrive.
  void SetImageData(ImageData* data) { image_data_ = data; }
  const ServiceConfig& config() const { return config_; }

  // ---- subscriptions: those of the caller's tenant where it holds a role at any scope
  Result<std::vector<domain::Subscription>> ListSubscriptions(const RequestContext& ctx);
  // The tenants the caller belongs to: its own (nothing crosses tenants).
  Result<std::vector<domain::Tenant>> ListTenants(const RequestContext& ctx);
  // NotFound (SubscriptionNotFound) for a subscription not listed by ListSubscriptions.
  Result<domain::Subscription> GetSubscription(const RequestContext& ctx,
                                               const std::string& subscription);

  // ---- resource groups (synchronous create/update; delete is long-running and cascades)
  // kReplace (PUT) creates or replaces the tags; kMerge (PATCH) requires the group and keeps
  // what the input leaves out.
  Result<Accepted<domain::ResourceGroup>> PutResourceGroup(const RequestContext& ctx,
                                                           const ResourceId& id,
                                                           const domain::ResourceGroupInput& in,
                                                           domain::UpdateMode mode);
  Result<domain::ResourceGroup> GetResourceGroup(const RequestContext& ctx, const ResourceId& id);
  Result<Page<domain::ResourceGroup>> ListResourceGroups(const RequestContext& ctx,
                                                         const std::string& subscription,
                                                         const std::string& page_token);
  // NotFound (ResourceGroupNotFound) when the group does not exist, as ARM answers.
  Result<std::optional<domain::Operation>> DeleteResourceGroup(const RequestContext& ctx,
                                                               const ResourceId& id);

  // ---- any resource by id: the read path of GET
  // The resource the id names, of whatever type, shared and immutable: the same object while
  // the stored resource is unchanged (metadata::MetadataStore::FindResource). NotFound names
  // what is missing: the subscription, the group, a parent, or the resource itself.
  Result<std::shared_ptr<const metadata::Resource>> GetResource(const RequestContext& ctx,
                                                                const ResourceId& id);

  // ---- galleries, image definitions, image versions, managed images
  // `mode` kReplace for PUT (creates when absent), kMerge for PATCH (NotFound when absent).
  Result<Accepted<domain::Gallery>> PutGallery(const RequestContext& ctx, const ResourceId& id,
                                               const domain::GalleryInput& in,
                                               domain::UpdateMode mode);
  Result<Accepted<domain::GalleryImage>> PutGalleryImage(const RequestContext& ctx,
                                                         const ResourceId& id,
                                                         const domain::GalleryImageInput& in,
                                                         domain::UpdateMode mode);
  Result<Accepted<domain::GalleryImageVersion>> PutGalleryImageVersion(
      const RequestContext& ctx, const ResourceId& id, const domain::GalleryImageVersionInput& in,
      domain::UpdateMode mode);
  Result<Accepted<domain::ManagedImage>> PutManagedImage(const RequestContext& ctx,
                                                         const ResourceId& id,
                                                         const domain::ManagedImageInput& in,
                                                         domain::UpdateMode mode);

  Result<domain::Gallery> GetGallery(const RequestContext& ctx, const ResourceId& id);
  Result<domain::GalleryImage> GetGalleryImage(const RequestContext& ctx, const ResourceId& id);
  Result<domain::GalleryImageVersion> GetGalleryImageVersion(const RequestContext& ctx,
                                                             const ResourceId& id);
  Result<domain::ManagedImage> GetManagedImage(const RequestContext& ctx, const ResourceId& id);

  Result<Page<domain::Gallery>> ListGalleries(const RequestContext& ctx, const ListScope& scope,
                                              const std::string& page_token);
  Result<Page<domain::GalleryImage>> ListGalleryImages(const RequestContext& ctx,
                                                       const ResourceId& gallery,
                                                       const std::string& page_token);
  Result<Page<domain::GalleryImageVersion>> ListGalleryImageVersions(
      const RequestContext& ctx, const ResourceId& definition, const std::string& page_token);
  Result<Page<domain::ManagedImage>> ListManagedImages(const RequestContext& ctx,
                                                       const ListScope& scope,
                                                       const std::string& page_token);
  // Managed disks (their writes are DiskService's).
  Result<Page<domain::Disk>> ListDisks(const RequestContext& ctx, const ListScope& scope,
                                       const std::string& page_token);

  // nullopt when the resource does not exist (ARM answers 204). Galleries and definitions with
  // children: FailedPrecondition, reason CannotDeleteResource.
  Result<std::optional<domain::Operation>> DeleteResource(const RequestContext& ctx,
                                                          const ResourceId& id);

  // The definition's latest version (domain/latest.h) among those the caller may read;
  // `region` optional (any casing or display name). NotFound (reason "NoLatestVersion") when
  // none qualifies.
  Result<domain::GalleryImageVersion> ResolveLatestVersion(
      const RequestContext& ctx, const ResourceId& definition,
      const std::optional<std::string>& region);

  // ---- subscription-level
  Result<std::vector<domain::QuotaUsage>> ListUsages(const RequestContext& ctx,
                                                     const std::string& subscription,
                                                     const std::string& location);
  // Moving resources between groups or subscriptions: galleries (and their definitions and
  // versions) cannot move, as the product description says; nothing else moves either.
  // Always an error: InvalidArgument for a malformed request, else FailedPrecondition with
  // reason "ResourceMoveNotSupported" naming the first resource.
  Status MoveResources(const RequestContext& ctx, const ResourceId& source_group,
                       const std::vector<std::string>& resource_ids,
                       const std::string& target_group);

  // ---- operations: readable by whoever may perform
  // Microsoft.Compute/locations/operations/read at the operation's resource.
  Result<domain::Operation> GetOperation(const RequestContext& ctx,
                                         const std::string& subscription,
                                         const std::string& operation_id);

 private:
  // The shared path of every long-running PUT/PATCH: checks the subscription, group and parent,
  // creates (`create(tx)`, then the quota) or updates (`update(tx, current)`), records the
  // operation, commits, and wakes the runner. With `failed_put_recreates`, a PUT (not a PATCH)
  // on a resource whose provisioning Failed creates it afresh, as ARM allows: any property may
  // change, and the failed resource's manifests are dropped.
  template <typename T, typename Create, typename Update>
  Result<Accepted<T>> Put(const RequestContext& ctx, const ResourceId& id, domain::UpdateMode mode,
                          std::optional<domain::QuotaKind> quota, Create&& create, Update&& update,
                          bool failed_put_recreates = false);
  // Checks `{type}/read` at `id`, then reads it.
  template <typename T>
  Result<T> Get(const RequestContext& ctx, const ResourceId& id);
  // A page of the items of `query` the caller may read (see the class comment).
  template <typename T>
  Result<Page<T>> List(const RequestContext& ctx, const metadata::ResourceQuery& query,
                       const std::string& page_token);
  // The managed image a new version is made from: readable by the caller (LinkedAuthorization-
  // Failed otherwise), in its tenant (another tenant's is refused), and usable (nullopt when
  // missing, being deleted or failed: the rules report it).
  // Plans `version`'s replicas for its profile (replication/replica_plan.h) and deletes the
  // manifests of the replicas it no longer has, in `tx`.
  Status PlanReplicas(metadata::Transaction& tx, domain::GalleryImageVersion* version);
  Result<std::optional<domain::ManagedImage>> VersionSource(const RequestContext& ctx,
                                                            metadata::Transaction& tx,
                                                            const ResourceId& version,
                                                            const ResourceId& source);

  // With image data (SetImageData): checks one disk source of a new image and gives the disk
  // its data: a managed disk's manifest is copied; a blob URI must be on this server (ingested
  // later by the operation); snapshots are refused.
  Status ImageDiskData(const RequestContext& ctx, metadata::Transaction& tx,
                       const domain::ManagedImage& image, const std::string& field,
                       domain::ImageDisk* disk);

  domain::RuleContext Rules() const;
  domain::Operation NewOperation(const RequestContext& ctx, const ResourceId& id,
                                 const std::string& location, domain::OperationKind kind);

  metadata::MetadataStore& store_;
  const domain::RegionCatalog& regions_;
  ServiceConfig config_;
  const Clock& clock_;
  Random& random_;
  OperationSignal& signal_;
  AccessGuard guard_;
  ImageData* image_data_ = nullptr;
};

}  // namespace gallery::service
