#include "domain/role_assignment_rules.h"

namespace gallery::domain {

namespace {

Status Invalid(std::string message, std::string target, std::string reason) {
  return Status::InvalidArgument(std::move(message), std::move(target))
      .WithReason(std::move(reason));
}

}  // namespace

bool AssignableAt(const std::vector<std::string>& assignable_scopes, const ResourceId& scope) {
  for (const std::string& s : assignable_scopes) {
    if (s == "/") {
      return true;
    }
    Result<ResourceId> parsed = ResourceId::Parse(s);
    if (parsed.ok() && parsed->Contains(scope)) {
      return true;
    }
  }
  return false;
}

Result<RoleAssignment> NewRoleAssignment(const ResourceId& scope, const std::string& name,
                                         const RoleAssignmentInput& in,
                                         const RoleAssignmentFacts& facts) {
  if (!IsGuid(name)) {
    return Invalid("The role assignment ID '" + name +
                       "' is not valid. The role assignment ID must be a GUID.",
                   "name", "InvalidRoleAssignmentId");
  }
  if (in.role_definition_id.empty()) {
    return Invalid("The request body must name the role: properties.roleDefinitionId is required.",
                   "properties.roleDefinitionId", "InvalidParameter");
  }
  if (!RoleDefinitionNameFromId(in.role_definition_id).has_value()) {
    return Invalid("The role definition id '" + in.role_definition_id +
                       "' is not valid: expected "
                       "'/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/"
                       "{guid}'.",
                   "properties.roleDefinitionId", "InvalidParameter");
  }
  if (in.principal_id.empty() || !IsGuid(in.principal_id)) {
    return Invalid(
        "properties.principalId must be the object id (a GUID) of a user, group or "
        "service principal, got '" +
            in.principal_id + "'.",
        "properties.principalId", "InvalidParameter");
  }
  if (facts.role == nullptr) {
    return Invalid(
        "The specified role definition with ID '" + in.role_definition_id + "' does not exist.",
        "properties.roleDefinitionId", "RoleDefinitionDoesNotExist");
  }
  if (!AssignableAt(facts.role->assignable_scopes, scope)) {
    return Invalid("The role definition '" + facts.role->role_name + "' (" + facts.role->name +
                       ") is not assignable at scope '" + scope.ToString() +
                       "': its assignable scopes do not contain it.",
                   "properties.roleDefinitionId", "RoleDefinitionNotAssignableAtScope");
  }
  if (facts.principal == nullptr) {
    return Invalid("Principal " + in.principal_id + " does not exist in the directory " +
                       facts.scope_tenant_id + ".",
                   "properties.principalId", "PrincipalNotFound");
  }
  if (!EqualsIgnoreCase(facts.principal->tenant_id, facts.scope_tenant_id)) {
    return Invalid("Principal " + in.principal_id + " belongs to another tenant than scope '" +
                       scope.ToString() +
                       "'. Sharing never crosses tenants: roles are assigned only to users, "
                       "groups and service principals of the scope's own tenant.",
                   "properties.principalId", "PrincipalInAnotherTenant");
  }
  if (in.principal_type.has_value()) {
    std::optional<PrincipalKind> kind = ParsePrincipalType(*in.principal_type);
    if (!kind.has_value() || *kind != facts.principal->kind) {
      return Invalid("The PrincipalId '" + in.principal_id + "' has type '" +
                         PrincipalTypeName(facts.principal->kind) +
                         "', which is different from specified PrincipalType '" +
                         *in.principal_type + "'.",
                     "properties.principalType", "UnmatchedPrincipalType");
    }
  }
  for (const RoleAssignment& other : facts.principal_assignments) {
    if (other.scope == scope && EqualsIgnoreCase(other.role_definition_name, facts.role->name) &&
        !EqualsIgnoreCase(other.name, name)) {
      return Status::AlreadyExists("The role assignment already exists: '" +
                                   RoleAssignmentId(other) +
                                   "' grants the same role to the "
                                   "same principal at the same scope.")
          .WithReason("RoleAssignmentExists");
    }
  }
  RoleAssignment out;
  out.name = ToLower(name);
  out.scope = scope;
  out.role_definition_name = facts.role->name;
  out.principal_id = ToLower(in.principal_id);
  out.principal_type = facts.principal->kind;
  out.description = in.description;
  out.created_on = out.updated_on = facts.now;
  out.created_by = out.updated_by = facts.creator;
  return out;
}

Status CheckUnchanged(const RoleAssignment& existing, const RoleAssignment& wanted) {
  if (existing.scope == wanted.scope &&
      EqualsIgnoreCase(existing.principal_id, wanted.principal_id) &&
      EqualsIgnoreCase(existing.role_definition_name, wanted.role_definition_name)) {
    return Status::Ok();
  }
  return Invalid("The role assignment '" + existing.name +
                     "' exists with another scope, principal or role. Tenant ID, application "
                     "ID, principal ID, and scope are not allowed to be updated.",
                 "", "RoleAssignmentUpdateNotPermitted");
}

}  // namespace gallery::domain
