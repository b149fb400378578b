#include "domain/role_definition.h"

#include <cctype>

#include "common/resource_id.h"
#include "domain/action_pattern.h"

namespace gallery::domain {

namespace {

bool AnyMatches(const std::vector<std::string>& patterns, std::string_view action) {
  for (const std::string& p : patterns) {
    if (ActionMatches(p, action)) {
      return true;
    }
  }
  return false;
}

RoleDefinition BuiltIn(const char* name, const char* role_name, const char* description,
                       Permission permission) {
  RoleDefinition role;
  role.name = name;
  role.role_name = role_name;
  role.description = description;
  role.type = RoleType::kBuiltIn;
  role.permissions.push_back(std::move(permission));
  role.assignable_scopes = {"/"};
  return role;
}

constexpr std::string_view kDefinitionsSegment =
    "/providers/microsoft.authorization/roledefinitions/";

}  // namespace

const char* RoleTypeName(RoleType type) {
  return type == RoleType::kBuiltIn ? "BuiltInRole" : "CustomRole";
}

bool Allows(const RoleDefinition& role, std::string_view action) {
  for (const Permission& p : role.permissions) {
    if (AnyMatches(p.actions, action) && !AnyMatches(p.not_actions, action)) {
      return true;
    }
  }
  return false;
}

const std::vector<RoleDefinition>& BuiltInRoles() {
  static const std::vector<RoleDefinition>* const kRoles = new std::vector<RoleDefinition>{
      BuiltIn(kOwnerRoleName, "Owner",
              "Grants full access to manage all resources, including the ability to assign "
              "roles in Azure RBAC.",
              {{"*"}, {}, {}, {}}),
      BuiltIn(kContributorRoleName, "Contributor",
              "Grants full access to manage all resources, but does not allow you to assign "
              "roles in Azure RBAC.",
              {{"*"},
               {"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action"},
               {},
               {}}),
      BuiltIn(kReaderRoleName, "Reader",
              "View all resources, but does not allow you to make any changes.",
              {{"*/read"}, {}, {}, {}}),
  };
  return *kRoles;
}

const RoleDefinition* FindBuiltInRole(std::string_view name) {
  for (const RoleDefinition& role : BuiltInRoles()) {
    if (EqualsIgnoreCase(role.name, name)) {
      return &role;
    }
  }
  return nullptr;
}

bool IsGuid(std::string_view text) {
  static constexpr size_t kLength = 36;
  if (text.size() != kLength) {
    return false;
  }
  for (size_t i = 0; i < kLength; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::string RoleDefinitionId(std::string_view subscription, std::string_view name) {
  std::string out;
  if (!subscription.empty()) {
    out = "/subscriptions/" + std::string(subscription);
  }
  return out + "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(name);
}

std::optional<std::string> RoleDefinitionNameFromId(std::string_view id) {
  if (IsGuid(id)) {
    return std::string(id);
  }
  const std::string lower = ToLower(id);
  const size_t at = lower.rfind(kDefinitionsSegment);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::string_view name = id.substr(at + kDefinitionsSegment.size());
  if (!IsGuid(name)) {
    return std::nullopt;
  }
  std::string_view scope = id.substr(0, at);
  if (!scope.empty() && !ResourceId::Parse(scope).ok()) {
    return std::nullopt;
  }
  return std::string(name);
}

}  // namespace gallery::domain
