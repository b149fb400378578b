#pragma once
// AccessGuard: the service's access checks, turning the Authorizer's answer into the errors
// ARM gives.
//
// A refused caller gets 403 AuthorizationFailed with Azure's message, except when the scope's
// subscription is not one of the caller's tenant: that subscription does not exist for it
// (404 SubscriptionNotFound), exactly as before access checks. That lookup runs only on the
// refusal path; an allowed check reads no SQL.
//
//   GALLERY_RETURN_IF_ERROR(guard.Require(ctx, access::ActionOn(id, Verb::kRead), id));
//
// Thread-safe.

#include <string>
#include <string_view>

#include "access/authorizer.h"
#include "common/result.h"
#include "metadata/metadata_store.h"
#include "service/request_context.h"

namespace gallery::service {

// How a list at a scope may be shown to a caller.
enum class ListAccess {
  kAll,       // it may read the scope: every item
  kItemwise,  // it holds roles below the scope only: the items it may read
};

class AccessGuard {
 public:
  // References must outlive the guard.
  AccessGuard(access::Authorizer& authorizer, metadata::MetadataStore& store)
      : authorizer_(authorizer), store_(store) {}

  // OK when the caller may perform `action` at `scope`; otherwise the refusal (see above).
  Status Require(const RequestContext& ctx, std::string_view action, const ResourceId& scope);
  // As Require, naming `shown_scope` in the refusal instead of `scope` (operation URLs); an
  // empty one names `scope`.
  Status Require(const RequestContext& ctx, std::string_view action, const ResourceId& scope,
                 std::string_view shown_scope);
  // Whether the caller may perform `action` at `scope`, without an error for "no".
  Result<bool> Allowed(const RequestContext& ctx, std::string_view action, const ResourceId& scope);
  // A list of items read with `action` at `scope`: kAll, kItemwise, or the refusal when the
  // caller holds nothing at or below the scope.
  Result<ListAccess> ForList(const RequestContext& ctx, std::string_view action,
                             const ResourceId& scope);
  // Whether the caller holds any role at or below `scope`.
  Result<bool> HoldsRoleWithin(const RequestContext& ctx, const ResourceId& scope);

  // The refusal itself: Azure's 403 AuthorizationFailed (or SubscriptionNotFound, see above).
  Status Refusal(const RequestContext& ctx, std::string_view action, const ResourceId& scope,
                 const std::string& shown_scope);

 private:
  access::Authorizer& authorizer_;
  metadata::MetadataStore& store_;
};

}  // namespace gallery::service
