#pragma once
// DirectoryService: the directory operations users perform: creating and listing users,
// service principals and groups, group membership, and subscriptions.
//
// Visibility: a caller sees only the principals and subscriptions of its own tenant; anything
// of another tenant is NotFound, as if it did not exist. Writes need a directory
// administrator (Principal::directory_admin) of the caller's tenant: PermissionDenied
// otherwise. Secrets (a user's password, a service principal's client secret) are stored only
// as PBKDF2 hashes; a generated secret is returned once, by the call that makes it.
//
// Errors (StatusCode): InvalidArgument for a malformed input (naming the field), NotFound for
// an unknown object of the caller's tenant, AlreadyExists for a user principal name in use,
// PermissionDenied for a write by a principal that is not a directory administrator.
// Thread-safe: every call runs in its own transaction.
//
//   DirectoryService directory(store, clock, random, hooks);
//   GALLERY_ASSIGN_OR_RETURN(CreatedServicePrincipal sp,
//                            directory.CreateServicePrincipal(ctx, "ci-pipeline"));
//   print(sp.principal.app_id, sp.secret);

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/directory.h"
#include "metadata/metadata_store.h"
#include "service/request_context.h"

namespace gallery::service {

// Runs inside the write transaction that creates `subscription`, after it is stored; an error
// rolls the creation back and is returned to the caller. The integration point for role-based
// access control: it makes `creator` Owner of the new subscription.
using SubscriptionCreatedHook = std::function<Status(
    metadata::Transaction&, const domain::Subscription&, const domain::Caller& creator)>;

struct DirectoryHooks {
  SubscriptionCreatedHook subscription_created;  // may be empty
  // Called after a principal is deleted (e.g. to drop cached tokens). May be empty.
  std::function<void()> principal_deleted;
};

struct NewUser {
  std::string user_principal_name;  // "alice@contoso.example"
  std::string display_name;         // defaults to the user principal name
  std::string password;             // 8 to 256 characters
};

struct CreatedServicePrincipal {
  domain::Principal principal;
  std::string secret;  // the client secret, in clear only here
};

struct CreatedSubscription {
  domain::Subscription subscription;
  bool created = false;  // false: the alias already named this subscription
};

class DirectoryService {
 public:
  // The references must outlive the service.
  DirectoryService(metadata::MetadataStore& store, const Clock& clock, Random& random,
                   DirectoryHooks hooks = {});

  // ---- objects
  Result<domain::Principal> CreateUser(const RequestContext& ctx, const NewUser& user);
  // A service principal with a new app id (client id) and a generated client secret.
  Result<CreatedServicePrincipal> CreateServicePrincipal(const RequestContext& ctx,
                                                         const std::string& display_name);
  // Replaces the client secret of service principal `object_id` with a new generated one,
  // which it returns. NotFound when it is not a service principal of the caller's tenant.
  Result<std::string> AddPassword(const RequestContext& ctx, const std::string& object_id);
  Result<domain::Principal> CreateGroup(const RequestContext& ctx, const std::string& display_name);
  // Deletes a principal of kind `kind` and its memberships.
  Status Delete(const RequestContext& ctx, const std::string& object_id,
                domain::PrincipalKind kind);

  // ---- reads (any principal of the tenant)
  // NotFound when absent, of another tenant, or not of kind `kind`. A user may be named by
  // its object id or its user principal name (also for Delete).
  Result<domain::Principal> Get(const RequestContext& ctx, const std::string& object_id,
                                domain::PrincipalKind kind);
  Result<std::vector<domain::Principal>> List(const RequestContext& ctx,
                                              domain::PrincipalKind kind);
  // The caller's own principal.
  Result<domain::Principal> Me(const RequestContext& ctx);
  // The principals among `ids` that exist in the caller's tenant, in the order of `ids`.
  Result<std::vector<domain::Principal>> GetByIds(const RequestContext& ctx,
                                                  const std::vector<std::string>& ids);

  // ---- membership (members: users, service principals or groups of the same tenant)
  // Adding a member twice changes nothing; a group cannot contain itself (InvalidArgument).
  Status AddMember(const RequestContext& ctx, const std::string& group_id,
                   const std::string& member_id);
  // NotFound when `member_id` is not a direct member.
  Status RemoveMember(const RequestContext& ctx, const std::string& group_id,
                      const std::string& member_id);
  // Direct members.
  Result<std::vector<domain::Principal>> ListMembers(const RequestContext& ctx,
                                                     const std::string& group_id);

  // ---- subscriptions
  // Creates a subscription in the caller's tenant named by `alias` (idempotent: the same alias
  // returns the same subscription, created = false) and runs the subscription_created hook
  // inside the same transaction.
  Result<CreatedSubscription> CreateSubscription(const RequestContext& ctx,
                                                 const std::string& alias,
                                                 const std::string& display_name);
  // NotFound when the alias names no subscription of the caller's tenant.
  Result<domain::Subscription> GetSubscriptionAlias(const RequestContext& ctx,
                                                    const std::string& alias);

  // ---- administration
  // Ok when the caller is a directory administrator of its tenant; PermissionDenied otherwise
  // (for operations of other services reserved to administrators).
  Status CheckDirectoryAdmin(const RequestContext& ctx);

 private:
  // Inside `tx`: PermissionDenied unless the caller is a directory administrator of its
  // tenant.
  Status CheckAdmin(metadata::Transaction& tx, const RequestContext& ctx);
  domain::Principal NewPrincipal(const RequestContext& ctx, domain::PrincipalKind kind,
                                 const std::string& display_name);
  Result<domain::Principal> WritePrincipal(const RequestContext& ctx, domain::Principal p);

  metadata::MetadataStore& store_;
  const Clock& clock_;
  Random& random_;
  DirectoryHooks hooks_;
};

}  // namespace gallery::service
