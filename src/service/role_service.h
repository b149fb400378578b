#pragma once
// RoleService: role assignments and role definitions (Microsoft.Authorization), the way
// galleries, image definitions and image versions are shared with users, groups and service
// principals of a tenant.
//
// Assignments are made at a scope (subscription, resource group, gallery, image definition,
// image version, managed image) that must exist; they need
// Microsoft.Authorization/roleAssignments/write there (Owner has it, Contributor does not) and
// obey domain/role_assignment_rules.h (same tenant, existing principal and role, no duplicate).
// Custom role definitions need roleDefinitions/write at their assignable scopes. Reads need the
// matching /read action at the scope. Changes are visible to access checks as soon as the call
// returns (access/authorizer.h). Deleting a resource deletes the assignments at and below it
// (service/operation_runner.h). Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "access/authorizer.h"
#include "common/time.h"
#include "domain/role_assignment.h"
#include "domain/role_definition.h"
#include "domain/role_definition_rules.h"
#include "metadata/metadata_store.h"
#include "service/access_guard.h"
#include "service/request_context.h"

namespace gallery::service {

// Which assignments a list at a scope returns ($filter): by default those at, above and below
// the scope; at_scope: at and above only; a principal: only its own (assigned_to: also those
// of its groups, known for the caller itself).
struct RoleAssignmentFilter {
  bool at_scope = false;
  std::string principal_id;
  bool assigned_to = false;
};

// Parses an ARM $filter of role assignment lists: "atScope()", "principalId eq '{id}'",
// "assignedTo('{id}')", and "atScope() and ..." combinations. InvalidArgument (InvalidFilter)
// for anything else.
Result<RoleAssignmentFilter> ParseRoleAssignmentFilter(const std::string& filter);

template <typename T>
struct Written {
  T value;
  bool created = false;
};

class RoleService {
 public:
  // References must outlive the service.
  RoleService(metadata::MetadataStore& store, access::Authorizer& authorizer, const Clock& clock);

  // ---- role assignments. Errors beyond the rules': NotFound for a missing scope
  // (SubscriptionNotFound, ResourceGroupNotFound, ResourceNotFound, ParentResourceNotFound);
  // PermissionDenied AuthorizationFailed; NotFound RoleAssignmentNotFound (Get).
  // A PUT that repeats an existing assignment returns it with created = false.
  Result<Written<domain::RoleAssignment>> PutRoleAssignment(const RequestContext& ctx,
                                                            const ResourceId& scope,
                                                            const std::string& name,
                                                            const domain::RoleAssignmentInput& in);
  Result<domain::RoleAssignment> GetRoleAssignment(const RequestContext& ctx,
                                                   const ResourceId& scope,
                                                   const std::string& name);
  // nullopt when no assignment of that name is at the scope (ARM answers 204).
  Result<std::optional<domain::RoleAssignment>> DeleteRoleAssignment(const RequestContext& ctx,
                                                                     const ResourceId& scope,
                                                                     const std::string& name);
  Result<std::vector<domain::RoleAssignment>> ListRoleAssignments(
      const RequestContext& ctx, const ResourceId& scope, const RoleAssignmentFilter& filter);

  // ---- role definitions: the built-in ones and the custom ones of the caller's tenant.
  // Get: NotFound RoleDefinitionDoesNotExist. Delete: FailedPrecondition
  // RoleDefinitionHasAssignments while assignments use it; BuiltInRoleCannotBeModified.
  Result<Written<domain::RoleDefinition>> PutRoleDefinition(const RequestContext& ctx,
                                                            const ResourceId& scope,
                                                            const std::string& name,
                                                            const domain::RoleDefinitionInput& in);
  Result<domain::RoleDefinition> GetRoleDefinition(const RequestContext& ctx,
                                                   const ResourceId& scope,
                                                   const std::string& name);
  Result<std::optional<domain::RoleDefinition>> DeleteRoleDefinition(const RequestContext& ctx,
                                                                     const ResourceId& scope,
                                                                     const std::string& name);
  // Those assignable at, or somewhere below, `scope`; `role_name` (any casing) narrows to one
  // name when not empty.
  Result<std::vector<domain::RoleDefinition>> ListRoleDefinitions(const RequestContext& ctx,
                                                                  const ResourceId& scope,
                                                                  const std::string& role_name);

 private:
  // The role named `name` as the caller's tenant sees it, or nullopt.
  Result<std::optional<domain::RoleDefinition>> FindRole(metadata::Transaction& tx,
                                                         const std::string& tenant,
                                                         const std::string& name);

  metadata::MetadataStore& store_;
  const Clock& clock_;
  AccessGuard guard_;
};

}  // namespace gallery::service
