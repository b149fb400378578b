#include "service/access_guard.h"

#include "service/resource_checks.h"

namespace gallery::service {

Status AccessGuard::Refusal(const RequestContext& ctx, std::string_view action,
                            const ResourceId& scope, const std::string& shown_scope) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
  GALLERY_RETURN_IF_ERROR(
      CheckSubscription(*tx, scope.subscription(), ctx.caller.tenant_id, /*for_write=*/false));
  return Status::PermissionDenied(
             "The client '" + ctx.caller.display_name + "' with object id '" +
             ctx.caller.object_id + "' does not have authorization to perform action '" +
             std::string(action) + "' over scope '" + shown_scope +
             "' or the scope is invalid. If access was recently granted, please refresh your "
             "credentials.")
      .WithReason("AuthorizationFailed");
}

Result<bool> AccessGuard::Allowed(const RequestContext& ctx, std::string_view action,
                                  const ResourceId& scope) {
  return authorizer_.Check(ctx.caller, action, scope);
}

Status AccessGuard::Require(const RequestContext& ctx, std::string_view action,
                            const ResourceId& scope, std::string_view shown_scope) {
  GALLERY_ASSIGN_OR_RETURN(bool allowed, authorizer_.Check(ctx.caller, action, scope));
  if (allowed) {
    return Status::Ok();
  }
  // The scope's text is built only for a refusal: an allowed GET spends nothing on it.
  return Refusal(ctx, action, scope,
                 shown_scope.empty() ? scope.ToString() : std::string(shown_scope));
}

Status AccessGuard::Require(const RequestContext& ctx, std::string_view action,
                            const ResourceId& scope) {
  return Require(ctx, action, scope, std::string_view());
}

Result<ListAccess> AccessGuard::ForList(const RequestContext& ctx, std::string_view action,
                                        const ResourceId& scope) {
  GALLERY_ASSIGN_OR_RETURN(bool all, authorizer_.Check(ctx.caller, action, scope));
  if (all) {
    return ListAccess::kAll;
  }
  GALLERY_ASSIGN_OR_RETURN(bool below, authorizer_.HoldsRoleWithin(ctx.caller, scope));
  if (below) {
    return ListAccess::kItemwise;
  }
  return Refusal(ctx, action, scope, scope.ToString());
}

Result<bool> AccessGuard::HoldsRoleWithin(const RequestContext& ctx, const ResourceId& scope) {
  return authorizer_.HoldsRoleWithin(ctx.caller, scope);
}

}  // namespace gallery::service
