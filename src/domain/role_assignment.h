#pragma once
// RoleAssignment: a role granted to a principal at a scope
// (Microsoft.Authorization/roleAssignments). The scope is a subscription, a resource group or a
// resource (a gallery, an image definition, an image version, a managed image); the grant holds
// there and everywhere below, never above (the sharing matrix of the product description).
// The principal is a user, a service principal or a group of the scope's tenant.

#include <optional>
#include <string>
#include <string_view>

#include "common/resource_id.h"
#include "common/time.h"
#include "domain/directory.h"

namespace gallery::domain {

struct RoleAssignment {
  static constexpr const char* kType = "Microsoft.Authorization/roleAssignments";
  std::string name;  // the GUID that identifies it
  ResourceId scope;
  std::string role_definition_name;  // the GUID of its role definition
  std::string principal_id;          // object id
  PrincipalKind principal_type = PrincipalKind::kUser;
  std::string description;
  TimestampMs created_on = 0;
  TimestampMs updated_on = 0;
  std::string created_by;  // object id of the principal that made it
  std::string updated_by;
};

// A PUT body.
struct RoleAssignmentInput {
  std::string role_definition_id;
  std::string principal_id;
  std::optional<std::string> principal_type;  // as sent: "User", "ServicePrincipal", "Group"
  std::string description;
};

// "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}".
std::string RoleAssignmentId(const RoleAssignment& assignment);


}  // namespace gallery::domain
