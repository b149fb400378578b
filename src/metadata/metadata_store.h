#pragma once
// MetadataStore: the durable home of the resource model (resources, directory, operations).
//
// All access goes through a Transaction: reads see one consistent snapshot; a write
// transaction's changes become visible and durable together at Commit(), or not at all (a
// Transaction destroyed without Commit() rolls back). Write transactions are serialized, so a
// rule checked inside one (a quota, a uniqueness constraint) still holds when it commits.
//
// Implementations: SQLite (embedded default, sqlite_store.h); PostgreSQL later. Nothing
// engine-specific appears here: resources are addressed by ResourceId, listed by
// ResourceQuery, and paged by an opaque key.
//
//   GALLERY_ASSIGN_OR_RETURN(auto tx, store.Begin(TxMode::kWrite));
//   GALLERY_ASSIGN_OR_RETURN(auto existing, tx->GetResource(id));
//   GALLERY_RETURN_IF_ERROR(tx->PutResource(resource));
//   GALLERY_RETURN_IF_ERROR(tx->Commit());
//
// Errors: Unavailable when the database cannot be reached or is busy beyond its timeout;
// Internal for corrupt rows; DataLoss never (the engine guarantees its own integrity).
// MetadataStore is thread-safe; a Transaction is used by one thread at a time.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "domain/activity_event.h"
#include "domain/directory.h"
#include "domain/disk.h"
#include "domain/export_grant.h"
#include "domain/gallery.h"
#include "domain/gallery_image.h"
#include "domain/gallery_image_version.h"
#include "domain/managed_image.h"
#include "domain/operation.h"
#include "domain/registration.h"
#include "domain/resource_group.h"
#include "domain/role_assignment.h"
#include "domain/role_definition.h"
#include "metadata/manifest_record.h"

namespace gallery::metadata {

using Resource = std::variant<domain::ResourceGroup, domain::Gallery, domain::GalleryImage,
                              domain::GalleryImageVersion, domain::ManagedImage, domain::Disk>;

// The envelope of any resource.
const domain::TrackedResource& Meta(const Resource& r);
domain::TrackedResource& Meta(Resource& r);
// The ARM type of the resource's alternative, e.g. "Microsoft.Compute/galleries".
const char* TypeOf(const Resource& r);

// Which resources to list or count. Every set field narrows the result.
struct ResourceQuery {
  std::string subscription;            // required
  std::string resource_group;          // only resources in this group (any casing)
  std::optional<ResourceId> parent;    // only direct children of this id
  std::string type;                    // only this ARM type (any casing)
  std::string location;                // only this region (short name)
  std::string after_key;               // paging: only resources whose key sorts after this one
  int32_t limit = 0;                   // at most this many (0: all)
};

struct ResourcePage {
  std::vector<Resource> items;  // ordered by ResourceId::Key()
  std::string next_key;         // pass as after_key for the next page; empty when done
};

// Which role assignments to list. Every set field narrows the result.
struct RoleAssignmentQuery {
  std::string principal_id;          // only this principal's (any casing)
  std::optional<ResourceId> within;  // only those at this scope or below it
};

// Which activity events to list: newest first (event_time, then event_id, descending).
struct ActivityQuery {
  std::string subscription;    // required
  TimestampMs from = 0;        // inclusive
  TimestampMs to = 0;          // inclusive
  std::string resource_group;  // any casing; empty: any
  std::string resource_id;     // the event's scope, any casing; empty: any
  std::string correlation_id;  // empty: any
  std::string after_key;       // paging: only events older than this key (a next_key)
  int32_t limit = 0;           // at most this many (0: all)
};

struct ActivityPage {
  std::vector<domain::ActivityEvent> items;
  std::string next_key;  // pass as after_key for the next page; empty when done
};

enum class TxMode { kRead, kWrite };

class Transaction {
 public:
  virtual ~Transaction() = default;

  // ---- resources (groups, galleries, definitions, versions, managed images)
  // nullopt when absent. Ids compare case-insensitively.
  virtual Result<std::optional<Resource>> GetResource(const ResourceId& id) = 0;
  // Inserts, or replaces the resource with the same id key.
  virtual Status PutResource(const Resource& resource) = 0;
  // Removes the resource (not its children). NotFound when absent.
  virtual Status DeleteResource(const ResourceId& id) = 0;
  virtual Result<ResourcePage> ListResources(const ResourceQuery& query) = 0;
  // How many match; after_key and limit are ignored.
  virtual Result<int64_t> CountResources(const ResourceQuery& query) = 0;

  // ---- directory
  virtual Status PutTenant(const domain::Tenant& tenant) = 0;
  virtual Result<std::optional<domain::Tenant>> GetTenant(const std::string& id) = 0;
  virtual Status PutSubscription(const domain::Subscription& subscription) = 0;
  virtual Result<std::optional<domain::Subscription>> GetSubscription(const std::string& id) = 0;
  virtual Result<std::vector<domain::Subscription>> ListSubscriptions() = 0;
  virtual Status PutPrincipal(const domain::Principal& principal) = 0;
  virtual Result<std::optional<domain::Principal>> GetPrincipal(const std::string& object_id) = 0;
  // Service principals by client id (app id), case-insensitively.
  virtual Result<std::optional<domain::Principal>> FindPrincipalByAppId(
      const std::string& app_id) = 0;
  // Users by user principal name, case-insensitively (a UPN names one user in the directory).
  virtual Result<std::optional<domain::Principal>> FindUserByUpn(const std::string& upn) = 0;
  // The principals of `tenant_id` of one kind, ordered by object id.
  virtual Result<std::vector<domain::Principal>> ListPrincipals(const std::string& tenant_id,
                                                                domain::PrincipalKind kind) = 0;
  // Removes the principal and every membership it has (as member or as group). NotFound when
  // absent.
  virtual Status DeletePrincipal(const std::string& object_id) = 0;

  // ---- group membership (direct edges; members are users, service principals or groups)
  // Adds `member_id` to `group_id`; adding an existing member changes nothing.
  virtual Status AddGroupMember(const std::string& group_id, const std::string& member_id) = 0;
  // NotFound when `member_id` is not a direct member of `group_id`.
  virtual Status RemoveGroupMember(const std::string& group_id, const std::string& member_id) = 0;
  // Direct members of `group_id`, ordered by object id.
  virtual Result<std::vector<std::string>> ListGroupMembers(const std::string& group_id) = 0;
  // Groups `member_id` is a direct member of, ordered by object id.
  virtual Result<std::vector<std::string>> ListGroupsOf(const std::string& member_id) = 0;

  // ---- role assignments and custom role definitions (built-in roles are not stored)
  // Inserts, or replaces the assignment with the same name (case-insensitively).
  virtual Status PutRoleAssignment(const domain::RoleAssignment& assignment) = 0;
  // nullopt when no assignment has this name.
  virtual Result<std::optional<domain::RoleAssignment>> GetRoleAssignment(
      const std::string& name) = 0;
  // NotFound when absent.
  virtual Status DeleteRoleAssignment(const std::string& name) = 0;
  // The assignments the query selects, ordered by name.
  virtual Result<std::vector<domain::RoleAssignment>> ListRoleAssignments(
      const RoleAssignmentQuery& query) = 0;
  // Deletes every assignment at `scope` or below it (segment-wise: never one at a sibling whose
  // name merely starts with the same text); returns how many.
  virtual Result<int64_t> DeleteRoleAssignmentsWithin(const ResourceId& scope) = 0;
  // Inserts, or replaces the definition with the same name (case-insensitively).
  virtual Status PutRoleDefinition(const domain::RoleDefinition& definition) = 0;
  virtual Result<std::optional<domain::RoleDefinition>> GetRoleDefinition(
      const std::string& name) = 0;
  // NotFound when absent.
  virtual Status DeleteRoleDefinition(const std::string& name) = 0;
  // Every custom role definition of every tenant, ordered by name.
  virtual Result<std::vector<domain::RoleDefinition>> ListRoleDefinitions() = 0;

  // ---- long-running operations
  virtual Status PutOperation(const domain::Operation& operation) = 0;
  virtual Result<std::optional<domain::Operation>> GetOperation(const std::string& id) = 0;
  // In-progress operations whose not_before <= now, oldest first, at most `limit`.
  virtual Result<std::vector<domain::Operation>> ListRunnableOperations(TimestampMs now,
                                                                        int32_t limit) = 0;
  // The earliest not_before among in-progress operations, or nullopt when none runs.
  virtual Result<std::optional<TimestampMs>> NextOperationDue() = 0;
  // Deletes terminal operations that ended before `cutoff`; returns how many.
  virtual Result<int64_t> PruneOperations(TimestampMs cutoff) = 0;

  // ---- activity log (activity_event.h)
  // Appends one event; its event_id must be new (else Internal).
  virtual Status AppendActivityEvent(const domain::ActivityEvent& event) = 0;
  // InvalidArgument without a subscription, with a negative limit or a malformed after_key.
  virtual Result<ActivityPage> ListActivityEvents(const ActivityQuery& query) = 0;
  // Deletes events that happened before `cutoff`; returns how many.
  virtual Result<int64_t> PruneActivityEvents(TimestampMs cutoff) = 0;

  // ---- provider and feature registrations per subscription (registration.h)
  // Inserts, or replaces the one with the same subscription, kind and name (any casing).
  virtual Status PutRegistration(const domain::Registration& registration) = 0;
  // Every registration of the subscription, by kind and name.
  virtual Result<std::vector<domain::Registration>> ListRegistrations(
      const std::string& subscription) = 0;

  // ---- manifests (manifest_record.h): committed only once their chunks are durable
  // Inserts, or replaces the manifest with the same id. Gallery gives new content a new id and
  // never replaces a manifest a resource names (replication lists a version's chunks once for
  // its jobs by its manifests' ids: replication/chunk_lists.h).
  virtual Status PutManifest(const ManifestRecord& manifest) = 0;
  // Inserts (or replaces) manifest `id` of `store` with the body of manifest `same_as`, which is
  // stored once for both: a version's replicas, and a version made from an image, name one
  // chunk list (up to 105 MB for a 100 GiB disk). NotFound when `same_as` is absent.
  virtual Status PutManifestCopy(const std::string& same_as, const std::string& id,
                                 const std::string& store, TimestampMs created_at) = 0;
  // nullopt when absent.
  virtual Result<std::optional<ManifestRecord>> GetManifest(const std::string& id) = 0;
  // NotFound when absent. The body goes with the last manifest that has it.
  virtual Status DeleteManifest(const std::string& id) = 0;
  // Calls `fn` for every manifest, in id order, until it returns an error (returned as is).
  // `fn` must not call the manifest methods of this transaction.
  virtual Status ForEachManifest(const std::function<Status(const ManifestRecord&)>& fn) = 0;

  // ---- replication egress: bytes copied between regions, per (source, target) region pair
  // Adds `bytes` to the pair's total.
  virtual Status AddEgress(const std::string& source, const std::string& target,
                           int64_t bytes) = 0;
  // Every pair's total, by source then target.
  virtual Result<std::vector<EgressTotal>> ListEgress() = 0;

  // ---- export grants (domain/export_grant.h): Read grants on images' and versions' data
  // Inserts, or replaces the grant with the same id.
  virtual Status PutExportGrant(const domain::ExportGrant& grant) = 0;
  // nullopt when absent.
  virtual Result<std::optional<domain::ExportGrant>> GetExportGrant(const std::string& id) = 0;
  // Deletes every grant of `resource` (any casing); how many there were.
  virtual Result<int64_t> DeleteExportGrantsOf(const ResourceId& resource) = 0;
  // Deletes the grant `id` if it is one of `resource` (any casing); how many there were (0, 1).
  virtual Result<int64_t> DeleteExportGrant(const ResourceId& resource, const std::string& id) = 0;
  // Deletes the grants that expired before `now`; how many there were.
  virtual Result<int64_t> PruneExportGrants(TimestampMs now) = 0;

  // ---- settings: small named values of the installation (the bootstrap record, ...)
  // nullopt when `key` was never set.
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;

  // Makes every change of this transaction durable. A read transaction's Commit() just ends it.
  // After Commit() (successful or not) the transaction may not be used again.
  virtual Status Commit() = 0;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;
  // Starts a transaction. Write transactions wait for the one before them to finish; read
  // transactions come from a bounded pool, so a thread holding one must not wait for another
  // (nor call what begins one, such as an access check): threads doing that together would
  // each hold a connection and wait for the others' until the busy timeout.
  virtual Result<std::unique_ptr<Transaction>> Begin(TxMode mode) = 0;

  // The resource with this id as of one committed state, read outside any transaction: the
  // hot path of a GET. It reflects every write transaction committed before the call. The
  // result is shared and immutable (the same object is returned again while the stored
  // resource is unchanged, so callers may cache what they derive from it by its address while
  // they hold it); nullptr when absent. Ids compare case-insensitively. Implementations may
  // answer from memory when they know nothing changed: the SQLite store is the only writer of
  // its file; a store shared by several processes must learn of their commits to do so.
  virtual Result<std::shared_ptr<const Resource>> FindResource(const ResourceId& id) = 0;
  // A number that grows whenever a committed transaction changed role assignments or role
  // definitions, so an in-memory index of them can tell it is stale with one atomic read
  // (access/authorizer.h). It is read before the index is loaded and bumped after the change
  // is durable. An engine shared by several processes must make it reflect their commits too
  // (e.g. a counter row bumped in the same transaction and read, or pushed with LISTEN/NOTIFY,
  // by each process). Thread-safe.
  virtual uint64_t RoleGeneration() const = 0;
};

}  // namespace gallery::metadata
