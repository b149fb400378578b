#pragma once
// Rules for custom role definitions. Pure: the service passes in the tenant's other custom
// roles (role names are unique in a tenant, built-in names included).

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "domain/role_definition.h"

namespace gallery::domain {

// A PUT body.
struct RoleDefinitionInput {
  std::string role_name;
  std::string description;
  std::string type;  // "CustomRole" or empty
  std::vector<Permission> permissions;
  std::vector<std::string> assignable_scopes;
};

// The custom role a PUT of `name` asks for, in tenant `tenant_id`; `existing` is the stored role
// of that name when the PUT replaces one (its creation stamp is kept). Errors (InvalidArgument
// unless said):
//   InvalidRoleDefinitionId: `name` is not a GUID;
//   BuiltInRoleCannotBeModified: `name` is a built-in role;
//   InvalidParameter: roleName empty, type not CustomRole, no permission block with an action,
//     an empty action pattern;
//   InvalidAssignableScope: no assignable scope, or one that is not a subscription, resource
//     group or resource id;
//   RoleDefinitionWithSameNameExists (AlreadyExists, 409): another role of the tenant (or a
//     built-in one) has the same roleName, in any casing.
Result<RoleDefinition> NewRoleDefinition(const std::string& name, const RoleDefinitionInput& in,
                                         const std::string& tenant_id,
                                         const std::vector<RoleDefinition>& tenant_roles,
                                         const std::optional<RoleDefinition>& existing,
                                         const std::string& creator, TimestampMs now);

}  // namespace gallery::domain
