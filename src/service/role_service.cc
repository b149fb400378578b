#include "service/role_service.h"

#include <algorithm>

#include "access/actions.h"
#include "common/log.h"
#include "domain/role_assignment_rules.h"
#include "service/resource_checks.h"

namespace gallery::service {

using metadata::Transaction;
using metadata::TxMode;

namespace {

Status InvalidFilter(const std::string& filter) {
  return Status::InvalidArgument("The filter '" + filter +
                                     "' is not supported. Supported: atScope(), "
                                     "principalId eq '{id}', assignedTo('{id}'), and atScope() "
                                     "combined with one of the others by 'and'.",
                                 "$filter")
      .WithReason("InvalidFilter");
}

// The text between the first pair of single quotes of `term`, when `term` is exactly
// `prefix` + "'" + value + "'" + `suffix` (prefix compared case-insensitively).
std::optional<std::string> Quoted(std::string_view term, std::string_view prefix,
                                  std::string_view suffix) {
  if (term.size() < prefix.size() + suffix.size() + 2 ||
      !EqualsIgnoreCase(term.substr(0, prefix.size()), prefix) ||
      term.substr(term.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  std::string_view inner = term.substr(prefix.size(), term.size() - prefix.size() - suffix.size());
  if (inner.size() < 2 || inner.front() != '\'' || inner.back() != '\'') {
    return std::nullopt;
  }
  inner = inner.substr(1, inner.size() - 2);
  if (inner.find('\'') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(inner);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

Status NoSuchRole(const std::string& name) {
  return Status::NotFound("The role definition '" + name + "' does not exist.")
      .WithReason("RoleDefinitionDoesNotExist");
}

}  // namespace

Result<RoleAssignmentFilter> ParseRoleAssignmentFilter(const std::string& filter) {
  RoleAssignmentFilter out;
  const std::string lower = ToLower(filter);
  size_t pos = 0;
  bool any = false;
  while (pos <= filter.size()) {
    size_t next = lower.find(" and ", pos);
    if (next == std::string::npos) {
      next = filter.size();
    }
    std::string_view term = Trim(std::string_view(filter).substr(pos, next - pos));
    if (EqualsIgnoreCase(term, "atScope()") && !out.at_scope) {
      out.at_scope = true;
    } else if (auto id = Quoted(term, "principalId eq ", ""); id && out.principal_id.empty()) {
      out.principal_id = *id;
    } else if (auto id2 = Quoted(term, "assignedTo(", ")"); id2 && out.principal_id.empty()) {
      out.principal_id = *id2;
      out.assigned_to = true;
    } else if (!term.empty() || any) {
      return InvalidFilter(filter);
    }
    any = true;
    pos = next + 5;
  }
  return out;
}

RoleService::RoleService(metadata::MetadataStore& store, access::Authorizer& authorizer,
                         const Clock& clock)
    : store_(store), clock_(clock), guard_(authorizer, store) {}

Result<std::optional<domain::RoleDefinition>> RoleService::FindRole(Transaction& tx,
                                                                    const std::string& tenant,
                                                                    const std::string& name) {
  if (const domain::RoleDefinition* builtin = domain::FindBuiltInRole(name)) {
    return std::optional<domain::RoleDefinition>(*builtin);
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::RoleDefinition> custom,
                           tx.GetRoleDefinition(name));
  if (custom.has_value() && !EqualsIgnoreCase(custom->tenant_id, tenant)) {
    custom.reset();  // another tenant's roles do not exist here
  }
  return custom;
}

// ---- role assignments

Result<Written<domain::RoleAssignment>> RoleService::PutRoleAssignment(
    const RequestContext& ctx, const ResourceId& scope, const std::string& name,
    const domain::RoleAssignmentInput& in) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleAssignmentsWrite, scope));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckExists(*tx, scope, ctx.caller.tenant_id));
  domain::RoleAssignmentFacts facts;
  facts.scope_tenant_id = ctx.caller.tenant_id;  // CheckExists: the scope is in it
  facts.creator = ctx.caller.object_id;
  facts.now = clock_.Now();
  std::optional<domain::Principal> principal;
  if (!in.principal_id.empty()) {
    GALLERY_ASSIGN_OR_RETURN(principal, tx->GetPrincipal(in.principal_id));
    GALLERY_ASSIGN_OR_RETURN(facts.principal_assignments,
                             tx->ListRoleAssignments({.principal_id = in.principal_id}));
  }
  facts.principal = principal.has_value() ? &*principal : nullptr;
  std::optional<domain::RoleDefinition> role;
  if (std::optional<std::string> role_name =
          domain::RoleDefinitionNameFromId(in.role_definition_id)) {
    GALLERY_ASSIGN_OR_RETURN(role, FindRole(*tx, ctx.caller.tenant_id, *role_name));
  }
  facts.role = role.has_value() ? &*role : nullptr;
  GALLERY_ASSIGN_OR_RETURN(domain::RoleAssignment wanted,
                           domain::NewRoleAssignment(scope, name, in, facts));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::RoleAssignment> existing,
                           tx->GetRoleAssignment(name));
  if (existing.has_value()) {
    GALLERY_RETURN_IF_ERROR(domain::CheckUnchanged(*existing, wanted));
    return Written<domain::RoleAssignment>{std::move(*existing), false};
  }
  GALLERY_RETURN_IF_ERROR(tx->PutRoleAssignment(wanted));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("role assignment {}: {} ({}) is {} at {}, by {} (correlation {})", wanted.name,
            wanted.principal_id, domain::PrincipalTypeName(wanted.principal_type), role->role_name,
            scope.ToString(), ctx.caller.object_id, ctx.correlation_id);
  return Written<domain::RoleAssignment>{std::move(wanted), true};
}

Result<domain::RoleAssignment> RoleService::GetRoleAssignment(const RequestContext& ctx,
                                                              const ResourceId& scope,
                                                              const std::string& name) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleAssignmentsRead, scope));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::RoleAssignment> found,
                           tx->GetRoleAssignment(name));
  if (!found.has_value() || !(found->scope == scope)) {
    GALLERY_RETURN_IF_ERROR(CheckExists(*tx, scope, ctx.caller.tenant_id));
    return Status::NotFound("The role assignment '" + name + "' is not found at scope '" +
                            scope.ToString() + "'.")
        .WithReason("RoleAssignmentNotFound");
  }
  return std::move(*found);
}

Result<std::optional<domain::RoleAssignment>> RoleService::DeleteRoleAssignment(
    const RequestContext& ctx, const ResourceId& scope, const std::string& name) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleAssignmentsDelete, scope));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::RoleAssignment> found,
                           tx->GetRoleAssignment(name));
  if (!found.has_value() || !(found->scope == scope)) {
    return std::optional<domain::RoleAssignment>();
  }
  GALLERY_RETURN_IF_ERROR(tx->DeleteRoleAssignment(name));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("role assignment {} at {} deleted by {} (correlation {})", found->name,
            scope.ToString(), ctx.caller.object_id, ctx.correlation_id);
  return found;
}

Result<std::vector<domain::RoleAssignment>> RoleService::ListRoleAssignments(
    const RequestContext& ctx, const ResourceId& scope, const RoleAssignmentFilter& filter) {
  GALLERY_ASSIGN_OR_RETURN(ListAccess access,
                           guard_.ForList(ctx, access::kRoleAssignmentsRead, scope));
  std::vector<domain::RoleAssignment> all;
  {  // released before the access checks below, which may read the store themselves
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
    GALLERY_RETURN_IF_ERROR(CheckExists(*tx, scope, ctx.caller.tenant_id));
    // Every scope at or above `scope` lies within its subscription.
    GALLERY_ASSIGN_OR_RETURN(
        all, tx->ListRoleAssignments({.within = ResourceId::ForSubscription(scope.subscription())}));
  }
  std::vector<std::string> principals;
  if (!filter.principal_id.empty()) {
    principals.push_back(filter.principal_id);
    // A principal's groups are known for the caller (from its token).
    if (filter.assigned_to && EqualsIgnoreCase(filter.principal_id, ctx.caller.object_id)) {
      principals.insert(principals.end(), ctx.caller.group_ids.begin(), ctx.caller.group_ids.end());
    }
  }
  std::vector<domain::RoleAssignment> out;
  for (domain::RoleAssignment& a : all) {
    const bool above = a.scope.Contains(scope);
    if (!above && (filter.at_scope || !scope.Contains(a.scope))) {
      continue;
    }
    if (!principals.empty() &&
        std::none_of(principals.begin(), principals.end(),
                     [&](const std::string& p) { return EqualsIgnoreCase(p, a.principal_id); })) {
      continue;
    }
    if (access == ListAccess::kItemwise) {
      GALLERY_ASSIGN_OR_RETURN(bool readable,
                               guard_.Allowed(ctx, access::kRoleAssignmentsRead, a.scope));
      if (!readable) {
        continue;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

// ---- role definitions

Result<Written<domain::RoleDefinition>> RoleService::PutRoleDefinition(
    const RequestContext& ctx, const ResourceId& scope, const std::string& name,
    const domain::RoleDefinitionInput& in) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleDefinitionsWrite, scope));
  for (const std::string& text : in.assignable_scopes) {
    Result<ResourceId> assignable = ResourceId::Parse(text);
    if (assignable.ok()) {  // the rules report one that does not parse
      GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleDefinitionsWrite, *assignable));
    }
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckExists(*tx, scope, ctx.caller.tenant_id));
  GALLERY_ASSIGN_OR_RETURN(std::vector<domain::RoleDefinition> all, tx->ListRoleDefinitions());
  std::vector<domain::RoleDefinition> tenant_roles;
  std::optional<domain::RoleDefinition> existing;
  for (domain::RoleDefinition& d : all) {
    if (EqualsIgnoreCase(d.name, name)) {
      if (!EqualsIgnoreCase(d.tenant_id, ctx.caller.tenant_id)) {
        return Status::AlreadyExists("The role definition id '" + name + "' is already in use.")
            .WithReason("RoleDefinitionIdAlreadyUsed");
      }
      existing = d;
    }
    if (EqualsIgnoreCase(d.tenant_id, ctx.caller.tenant_id)) {
      tenant_roles.push_back(std::move(d));
    }
  }
  GALLERY_ASSIGN_OR_RETURN(domain::RoleDefinition role,
                           domain::NewRoleDefinition(name, in, ctx.caller.tenant_id, tenant_roles,
                                                     existing, ctx.caller.object_id, clock_.Now()));
  for (const std::string& text : role.assignable_scopes) {
    GALLERY_RETURN_IF_ERROR(CheckExists(*tx, *ResourceId::Parse(text), ctx.caller.tenant_id));
  }
  GALLERY_RETURN_IF_ERROR(tx->PutRoleDefinition(role));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("role definition {} '{}' written by {}", role.name, role.role_name,
            ctx.caller.object_id);
  return Written<domain::RoleDefinition>{std::move(role), !existing.has_value()};
}

Result<domain::RoleDefinition> RoleService::GetRoleDefinition(const RequestContext& ctx,
                                                              const ResourceId& scope,
                                                              const std::string& name) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleDefinitionsRead, scope));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
  GALLERY_RETURN_IF_ERROR(CheckExists(*tx, scope, ctx.caller.tenant_id));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::RoleDefinition> role,
                           FindRole(*tx, ctx.caller.tenant_id, name));
  if (!role.has_value()) {
    return NoSuchRole(name);
  }
  return std::move(*role);
}

Result<std::optional<domain::RoleDefinition>> RoleService::DeleteRoleDefinition(
    const RequestContext& ctx, const ResourceId& scope, const std::string& name) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleDefinitionsDelete, scope));
  if (domain::FindBuiltInRole(name) != nullptr) {
    return Status::InvalidArgument("The role definition '" + name +
                                   "' is a built-in role and cannot be deleted.")
        .WithReason("BuiltInRoleCannotBeModified");
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::RoleDefinition> role,
                           FindRole(*tx, ctx.caller.tenant_id, name));
  if (!role.has_value()) {
    return std::optional<domain::RoleDefinition>();
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<domain::RoleAssignment> all, tx->ListRoleAssignments({}));
  for (const domain::RoleAssignment& a : all) {
    if (EqualsIgnoreCase(a.role_definition_name, role->name)) {
      return Status::FailedPrecondition("The role definition '" + role->role_name +
                                        "' cannot be deleted: role assignment '" +
                                        domain::RoleAssignmentId(a) +
                                        "' uses it. Delete its assignments first.")
          .WithReason("RoleDefinitionHasAssignments");
    }
  }
  GALLERY_RETURN_IF_ERROR(tx->DeleteRoleDefinition(role->name));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("role definition {} '{}' deleted by {}", role->name, role->role_name,
            ctx.caller.object_id);
  return role;
}

Result<std::vector<domain::RoleDefinition>> RoleService::ListRoleDefinitions(
    const RequestContext& ctx, const ResourceId& scope, const std::string& role_name) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kRoleDefinitionsRead, scope));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
  GALLERY_RETURN_IF_ERROR(CheckExists(*tx, scope, ctx.caller.tenant_id));
  std::vector<domain::RoleDefinition> candidates = domain::BuiltInRoles();
  GALLERY_ASSIGN_OR_RETURN(std::vector<domain::RoleDefinition> custom, tx->ListRoleDefinitions());
  for (domain::RoleDefinition& d : custom) {
    if (!EqualsIgnoreCase(d.tenant_id, ctx.caller.tenant_id)) {
      continue;
    }
    const bool below = std::any_of(d.assignable_scopes.begin(), d.assignable_scopes.end(),
                                   [&](const std::string& s) {
                                     Result<ResourceId> id = ResourceId::Parse(s);
                                     return id.ok() && scope.Contains(*id);
                                   });
    if (below || domain::AssignableAt(d.assignable_scopes, scope)) {
      candidates.push_back(std::move(d));
    }
  }
  std::vector<domain::RoleDefinition> out;
  for (domain::RoleDefinition& d : candidates) {
    if (role_name.empty() || EqualsIgnoreCase(d.role_name, role_name)) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace gallery::service
