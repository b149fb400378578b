#pragma once
// Authorizer: may this caller perform this action at this scope?
//
// Allowed when a role assignment to the caller's object id, or to one of its groups, at the
// scope or at a scope above it, has a role (built-in or custom) whose actions match the action
// and whose notActions do not (domain/role_definition.h). Scopes compare case-insensitively and
// segment-wise: an assignment at .../galleries/g1 holds for .../galleries/g1/images/d1, never
// for .../galleries/g10, and never above where it was made.
//
// The check runs on every request, so it reads no SQL: it works on an immutable in-memory
// index of every assignment and custom role, shared by all threads. The index is rebuilt from
// the store when MetadataStore::RoleGeneration() says a committed transaction changed the
// role tables (any writer, any code path: a role assignment PUT, a cascade when a resource is
// deleted, a new subscription's owner); the first check after a change pays for the rebuild,
// the rest read the index without locks.
//
//   access::Authorizer authz(store);
//   GALLERY_ASSIGN_OR_RETURN(bool ok, authz.Check(ctx.caller, "Microsoft.Compute/galleries/read",
//                                                 gallery_id));
//
// Thread-safe. Errors: the store's (Unavailable), only when the index must be rebuilt.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/directory.h"
#include "metadata/metadata_store.h"

namespace gallery::access {

class Authorizer {
 public:
  // `store` must outlive the Authorizer.
  explicit Authorizer(metadata::MetadataStore& store);
  ~Authorizer();

  // True when `caller` may perform `action` at `scope` (see above).
  Result<bool> Check(const domain::Caller& caller, std::string_view action,
                     const ResourceId& scope);
  // True when `caller` (or one of its groups) holds any role at `scope` or anywhere below it:
  // whether a list at `scope` may show it some items, and whether a subscription is one it
  // can see.
  Result<bool> HoldsRoleWithin(const domain::Caller& caller, const ResourceId& scope);

 private:
  struct Index;
  Result<std::shared_ptr<const Index>> Current();
  Result<std::shared_ptr<const Index>> Load(uint64_t generation);

  metadata::MetadataStore& store_;
  std::atomic<std::shared_ptr<const Index>> index_;
  std::mutex rebuild_mu_;  // one rebuild at a time
};

}  // namespace gallery::access
