#pragma once
// The Microsoft.Authorization routes of the ARM front door: role assignments and role
// definitions at any scope (arm_route.h kRoleAssignment*, kRoleDefinition*).
//
//   PUT/GET/DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}
//   GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=atScope() |
//       principalId eq '{id}' | assignedTo('{id}')]
//   PUT/GET/DELETE {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}
//   GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '{n}']
//
// PUT answers 201 with the new item (200 when it existed), DELETE 200 with the deleted item
// or 204 when there was none, lists {"value": [...]}. Thread-safe.

#include "api/arm_route.h"
#include "api/http_types.h"
#include "api/url.h"
#include "service/request_context.h"
#include "service/role_service.h"

namespace gallery::api {

HttpResponse HandleRoleRoute(service::RoleService& roles, const service::RequestContext& ctx,
                             const HttpRequest& request, const Target& target,
                             const ArmRoute& route);

}  // namespace gallery::api
