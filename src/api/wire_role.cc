#include "api/wire_role.h"

#include "api/json_reader.h"

namespace gallery::api {

namespace {

using nlohmann::json;

json Stamp(TimestampMs t) { return t > 0 ? json(FormatTimestamp(t)) : json(nullptr); }
json Who(const std::string& oid) { return oid.empty() ? json(nullptr) : json(oid); }

Status BadContent(const std::string& path, const std::string& expected) {
  return Status::InvalidArgument(path + " must be " + expected + ".", path)
      .WithReason("InvalidRequestContent");
}

// An optional array of strings at `key` of `object` (path `path`).
Result<std::vector<std::string>> Strings(const json& object, const std::string& key,
                                         const std::string& path) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    return BadContent(path + "." + key, "an array of strings");
  }
  for (const json& v : *it) {
    if (!v.is_string()) {
      return BadContent(path + "." + key, "an array of strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

json ToWire(const domain::RoleAssignment& a) {
  return {{"id", domain::RoleAssignmentId(a)},
          {"name", a.name},
          {"type", domain::RoleAssignment::kType},
          {"properties",
           {{"roleDefinitionId",
             domain::RoleDefinitionId(a.scope.subscription(), a.role_definition_name)},
            {"principalId", a.principal_id},
            {"principalType", domain::PrincipalTypeName(a.principal_type)},
            {"scope", a.scope.ToString()},
            {"description", a.description.empty() ? json(nullptr) : json(a.description)},
            {"condition", nullptr},
            {"conditionVersion", nullptr},
            {"createdOn", Stamp(a.created_on)},
            {"updatedOn", Stamp(a.updated_on)},
            {"createdBy", Who(a.created_by)},
            {"updatedBy", Who(a.updated_by)},
            {"delegatedManagedIdentityResourceId", nullptr}}}};
}

json ToWire(const domain::RoleDefinition& d, const std::string& subscription) {
  json permissions = json::array();
  for (const domain::Permission& p : d.permissions) {
    permissions.push_back({{"actions", p.actions},
                           {"notActions", p.not_actions},
                           {"dataActions", p.data_actions},
                           {"notDataActions", p.not_data_actions}});
  }
  return {{"id", domain::RoleDefinitionId(subscription, d.name)},
          {"name", d.name},
          {"type", domain::RoleDefinition::kType},
          {"properties",
           {{"roleName", d.role_name},
            {"type", domain::RoleTypeName(d.type)},
            {"description", d.description},
            {"assignableScopes", d.assignable_scopes},
            {"permissions", std::move(permissions)},
            {"createdOn", Stamp(d.created_on)},
            {"updatedOn", Stamp(d.updated_on)},
            {"createdBy", Who(d.created_by)},
            {"updatedBy", Who(d.updated_by)}}}};
}

Result<domain::RoleAssignmentInput> RoleAssignmentFromWire(const json& body) {
  JsonReader reader(body, "");
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> props, reader.Object("properties"));
  if (!props.has_value()) {
    return Status::InvalidArgument("The request body must have 'properties'.", "properties")
        .WithReason("InvalidRequestContent");
  }
  domain::RoleAssignmentInput in;
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> role, props->String("roleDefinitionId"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> principal, props->String("principalId"));
  GALLERY_ASSIGN_OR_RETURN(in.principal_type, props->String("principalType"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> description, props->String("description"));
  in.role_definition_id = role.value_or("");
  in.principal_id = principal.value_or("");
  in.description = description.value_or("");
  return in;
}

Result<domain::RoleDefinitionInput> RoleDefinitionFromWire(const json& body) {
  const std::string path = "properties";
  auto props = body.find("properties");
  if (props == body.end() || !props->is_object()) {
    return BadContent(path, "an object");
  }
  JsonReader reader(*props, path);
  domain::RoleDefinitionInput in;
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> name, reader.String("roleName"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> description, reader.String("description"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> type, reader.String("type"));
  in.role_name = name.value_or("");
  in.description = description.value_or("");
  in.type = type.value_or("");
  GALLERY_ASSIGN_OR_RETURN(in.assignable_scopes, Strings(*props, "assignableScopes", path));
  auto permissions = props->find("permissions");
  if (permissions != props->end() && !permissions->is_null()) {
    if (!permissions->is_array()) {
      return BadContent(path + ".permissions", "an array of objects");
    }
    for (size_t i = 0; i < permissions->size(); ++i) {
      const json& p = (*permissions)[i];
      const std::string at = path + ".permissions[" + std::to_string(i) + "]";
      if (!p.is_object()) {
        return BadContent(at, "an object");
      }
      domain::Permission permission;
      GALLERY_ASSIGN_OR_RETURN(permission.actions, Strings(p, "actions", at));
      GALLERY_ASSIGN_OR_RETURN(permission.not_actions, Strings(p, "notActions", at));
      GALLERY_ASSIGN_OR_RETURN(permission.data_actions, Strings(p, "dataActions", at));
      GALLERY_ASSIGN_OR_RETURN(permission.not_data_actions, Strings(p, "notDataActions", at));
      in.permissions.push_back(std::move(permission));
    }
  }
  return in;
}

}  // namespace gallery::api
