#include "access/grant_owner.h"

#include <openssl/sha.h>

#include <cstdio>

#include "domain/role_assignment.h"
#include "domain/role_definition.h"

namespace gallery::access {

std::string OwnerAssignmentName(const ResourceId& scope, const std::string& principal_object_id) {
  const std::string input = "owner\n" + scope.Key() + "\n" + ToLower(principal_object_id);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(
      out, sizeof(out), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
      digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
  return out;
}

Status GrantOwner(metadata::Transaction& tx, const ResourceId& scope,
                  const std::string& principal_object_id, TimestampMs now) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Principal> principal,
                           tx.GetPrincipal(principal_object_id));
  if (!principal.has_value()) {
    return Status::NotFound("Principal " + principal_object_id + " does not exist.")
        .WithReason("PrincipalNotFound");
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> subscription,
                           tx.GetSubscription(scope.subscription()));
  if (!subscription.has_value() ||
      !EqualsIgnoreCase(subscription->tenant_id, principal->tenant_id)) {
    return Status::FailedPrecondition("Principal " + principal_object_id + " cannot own '" +
                                      scope.ToString() +
                                      "': it is not in the tenant of that subscription.")
        .WithReason("PrincipalInAnotherTenant");
  }
  GALLERY_ASSIGN_OR_RETURN(
      std::vector<domain::RoleAssignment> held,
      tx.ListRoleAssignments({.principal_id = principal_object_id, .within = scope}));
  for (const domain::RoleAssignment& a : held) {
    if (a.scope == scope && EqualsIgnoreCase(a.role_definition_name, domain::kOwnerRoleName)) {
      return Status::Ok();
    }
  }
  domain::RoleAssignment owner;
  owner.name = OwnerAssignmentName(scope, principal_object_id);
  owner.scope = scope;
  owner.role_definition_name = domain::kOwnerRoleName;
  owner.principal_id = ToLower(principal_object_id);
  owner.principal_type = principal->kind;
  owner.created_on = owner.updated_on = now;
  owner.created_by = owner.updated_by = owner.principal_id;
  return tx.PutRoleAssignment(owner);
}

}  // namespace gallery::access
