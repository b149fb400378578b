#pragma once
// Rules for role assignments. Pure: the service looks up what they need (the principal, the
// role definition, the principal's other assignments) and passes it in.

#include <string>
#include <vector>

#include "common/result.h"
#include "domain/directory.h"
#include "domain/role_assignment.h"
#include "domain/role_definition.h"

namespace gallery::domain {

// What a new assignment is checked against.
struct RoleAssignmentFacts {
  std::string scope_tenant_id;           // the tenant of the scope's subscription
  const Principal* principal = nullptr;  // null: no principal has the requested object id
  const RoleDefinition* role = nullptr;  // null: no role has the requested id
  // The principal's assignments (any scope): a second name for the same grant is refused.
  std::vector<RoleAssignment> principal_assignments;
  std::string creator;  // object id of the caller
  TimestampMs now = 0;
};

// The assignment a PUT of `name` at `scope` asks for. Errors (all InvalidArgument unless said):
//   InvalidRoleAssignmentId: `name` is not a GUID;
//   InvalidParameter: roleDefinitionId or principalId missing or malformed;
//   RoleDefinitionDoesNotExist: facts.role is null;
//   RoleDefinitionNotAssignableAtScope: a custom role whose assignable scopes do not contain
//     `scope`;
//   PrincipalNotFound: facts.principal is null;
//   PrincipalInAnotherTenant: the principal's tenant is not the scope's (sharing never
//     crosses tenants);
//   UnmatchedPrincipalType: principalType given and not the principal's kind;
//   RoleAssignmentExists (AlreadyExists, 409): the principal holds the role at the scope under
//     another name.
Result<RoleAssignment> NewRoleAssignment(const ResourceId& scope, const std::string& name,
                                         const RoleAssignmentInput& in,
                                         const RoleAssignmentFacts& facts);

// A PUT of an existing name: OK when `wanted` grants what `existing` grants (same scope,
// principal and role), so the PUT changes nothing; otherwise InvalidArgument
// RoleAssignmentUpdateNotPermitted (assignments are never changed, only deleted and made anew).
Status CheckUnchanged(const RoleAssignment& existing, const RoleAssignment& wanted);

// True when a role with these assignable scopes may be assigned at `scope`: one of them is
// "/" or contains `scope`.
bool AssignableAt(const std::vector<std::string>& assignable_scopes, const ResourceId& scope);

}  // namespace gallery::domain
