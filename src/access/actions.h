#pragma once
// The ARM action each operation needs, e.g. "Microsoft.Compute/galleries/images/write": the
// resource type followed by the verb, as Azure names them in role definitions.

#include <string>
#include <string_view>

#include "common/resource_id.h"

namespace gallery::access {

enum class Verb { kRead, kWrite, kDelete };

// The action of `verb` on resources of ARM type `type` ("Microsoft.Compute/galleries"). Resource
// groups and subscriptions take the names Azure gives them:
// "Microsoft.Resources/subscriptions/resourceGroups/read",
// "Microsoft.Resources/subscriptions/read".
std::string ActionOn(std::string_view type, Verb verb);
// The action of `verb` on the resource `id` names (its type, as above).
std::string ActionOn(const ResourceId& id, Verb verb);

inline constexpr char kRoleAssignmentsRead[] = "Microsoft.Authorization/roleAssignments/read";
inline constexpr char kRoleAssignmentsWrite[] = "Microsoft.Authorization/roleAssignments/write";
inline constexpr char kRoleAssignmentsDelete[] = "Microsoft.Authorization/roleAssignments/delete";
inline constexpr char kRoleDefinitionsRead[] = "Microsoft.Authorization/roleDefinitions/read";
inline constexpr char kRoleDefinitionsWrite[] = "Microsoft.Authorization/roleDefinitions/write";
inline constexpr char kRoleDefinitionsDelete[] = "Microsoft.Authorization/roleDefinitions/delete";
inline constexpr char kUsagesRead[] = "Microsoft.Compute/locations/usages/read";
inline constexpr char kOperationsRead[] = "Microsoft.Compute/locations/operations/read";
// Managed disks: read, write and delete come from ActionOn; the access grants are actions.
inline constexpr char kDiskBeginGetAccess[] = "Microsoft.Compute/disks/beginGetAccess/action";
inline constexpr char kDiskEndGetAccess[] = "Microsoft.Compute/disks/endGetAccess/action";
inline constexpr char kMoveResources[] =
    "Microsoft.Resources/subscriptions/resourceGroups/moveResources/action";

}  // namespace gallery::access
