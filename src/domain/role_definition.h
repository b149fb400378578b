#pragma once
// RoleDefinition: a named set of permissions (Microsoft.Authorization/roleDefinitions).
//
// The built-in roles Owner, Contributor and Reader exist everywhere, with Azure's ids, names and
// permissions; custom roles belong to one tenant and may be assigned only at or below one of
// their assignable scopes. A role allows an action when one of its permission blocks lists a
// matching action pattern (action_pattern.h) and that same block lists no matching notAction.
// Data actions are kept for the wire but grant nothing here (the service has no data plane
// actions yet).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace gallery::domain {

inline constexpr char kOwnerRoleName[] = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
inline constexpr char kContributorRoleName[] = "b24988ac-6180-42a0-ab88-20f7382dd24c";
inline constexpr char kReaderRoleName[] = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

struct Permission {
  std::vector<std::string> actions;
  std::vector<std::string> not_actions;
  std::vector<std::string> data_actions;
  std::vector<std::string> not_data_actions;
};

enum class RoleType { kBuiltIn, kCustom };

struct RoleDefinition {
  static constexpr const char* kType = "Microsoft.Authorization/roleDefinitions";
  std::string name;       // the GUID that identifies it
  std::string tenant_id;  // custom roles: the tenant that owns it; empty for built-ins
  std::string role_name;  // "Owner", "Gallery Reader"
  std::string description;
  RoleType type = RoleType::kCustom;
  std::vector<Permission> permissions;
  // Resource ids (any casing) at or below which it may be assigned; built-ins: {"/"}.
  std::vector<std::string> assignable_scopes;
  TimestampMs created_on = 0;
  TimestampMs updated_on = 0;
  std::string created_by;  // object id of the principal that wrote it
  std::string updated_by;
};

// "BuiltInRole" / "CustomRole", as ARM spells the role type.
const char* RoleTypeName(RoleType type);

// True when `role` allows `action` (see above).
bool Allows(const RoleDefinition& role, std::string_view action);

// Owner, Contributor and Reader.
const std::vector<RoleDefinition>& BuiltInRoles();
// The built-in role with this GUID (any casing), or null.
const RoleDefinition* FindBuiltInRole(std::string_view name);

// True when `text` is a GUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits, any casing).
bool IsGuid(std::string_view text);

// The id ARM gives a role definition seen from a subscription:
// "/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{name}"; without a
// subscription, the tenant-level "/providers/Microsoft.Authorization/roleDefinitions/{name}".
std::string RoleDefinitionId(std::string_view subscription, std::string_view name);

// The GUID of a role definition id in any of the forms ARM accepts: the tenant-level id, the
// id at any scope ("{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"), or
// the bare GUID. nullopt when `id` is none of these.
std::optional<std::string> RoleDefinitionNameFromId(std::string_view id);

}  // namespace gallery::domain
