#include "domain/role_definition_rules.h"

#include "common/resource_id.h"

namespace gallery::domain {

namespace {

Status Invalid(std::string message, std::string target, std::string reason) {
  return Status::InvalidArgument(std::move(message), std::move(target))
      .WithReason(std::move(reason));
}

Status SameName(const std::string& role_name) {
  return Status::AlreadyExists("A role definition named '" + role_name +
                               "' already exists in this tenant. Role names are unique.")
      .WithReason("RoleDefinitionWithSameNameExists");
}

}  // namespace

Result<RoleDefinition> NewRoleDefinition(const std::string& name, const RoleDefinitionInput& in,
                                         const std::string& tenant_id,
                                         const std::vector<RoleDefinition>& tenant_roles,
                                         const std::optional<RoleDefinition>& existing,
                                         const std::string& creator, TimestampMs now) {
  if (!IsGuid(name)) {
    return Invalid("The role definition ID '" + name +
                       "' is not valid. The role definition ID must be a GUID.",
                   "name", "InvalidRoleDefinitionId");
  }
  if (FindBuiltInRole(name) != nullptr) {
    return Invalid("The role definition '" + name + "' is a built-in role and cannot be changed.",
                   "name", "BuiltInRoleCannotBeModified");
  }
  if (in.role_name.empty()) {
    return Invalid("properties.roleName is required.", "properties.roleName", "InvalidParameter");
  }
  if (!in.type.empty() && !EqualsIgnoreCase(in.type, RoleTypeName(RoleType::kCustom))) {
    return Invalid("properties.type must be 'CustomRole', got '" + in.type + "'.",
                   "properties.type", "InvalidParameter");
  }
  bool any_action = false;
  for (const Permission& p : in.permissions) {
    for (const auto* list : {&p.actions, &p.not_actions, &p.data_actions, &p.not_data_actions}) {
      for (const std::string& pattern : *list) {
        if (pattern.empty()) {
          return Invalid("An action pattern of properties.permissions is empty.",
                         "properties.permissions", "InvalidParameter");
        }
      }
    }
    any_action = any_action || !p.actions.empty() || !p.data_actions.empty();
  }
  if (!any_action) {
    return Invalid("properties.permissions must grant at least one action.",
                   "properties.permissions", "InvalidParameter");
  }
  if (in.assignable_scopes.empty()) {
    return Invalid("properties.assignableScopes must name at least one scope.",
                   "properties.assignableScopes", "InvalidAssignableScope");
  }
  for (const std::string& scope : in.assignable_scopes) {
    if (!ResourceId::Parse(scope).ok()) {
      return Invalid("The assignable scope '" + scope +
                         "' is not a subscription, resource group or resource id.",
                     "properties.assignableScopes", "InvalidAssignableScope");
    }
  }
  for (const RoleDefinition& builtin : BuiltInRoles()) {
    if (EqualsIgnoreCase(builtin.role_name, in.role_name)) {
      return SameName(in.role_name);
    }
  }
  for (const RoleDefinition& other : tenant_roles) {
    if (EqualsIgnoreCase(other.role_name, in.role_name) && !EqualsIgnoreCase(other.name, name)) {
      return SameName(in.role_name);
    }
  }
  RoleDefinition role;
  role.name = ToLower(name);
  role.tenant_id = tenant_id;
  role.role_name = in.role_name;
  role.description = in.description;
  role.type = RoleType::kCustom;
  role.permissions = in.permissions;
  role.assignable_scopes = in.assignable_scopes;
  role.created_on = existing.has_value() ? existing->created_on : now;
  role.created_by = existing.has_value() ? existing->created_by : creator;
  role.updated_on = now;
  role.updated_by = creator;
  return role;
}

}  // namespace gallery::domain
