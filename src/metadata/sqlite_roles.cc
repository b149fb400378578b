#include "metadata/sqlite_roles.h"

#include <nlohmann/json.hpp>

namespace gallery::metadata::sqlite_roles {

namespace {

using nlohmann::json;

constexpr std::string_view kPutAssignment =
    "INSERT INTO role_assignments (name, scope, scope_key, role_definition, principal_id, "
    "principal_type, description, created_on, updated_on, created_by, updated_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (name) DO UPDATE SET scope = excluded.scope, scope_key = excluded.scope_key, "
    "role_definition = excluded.role_definition, principal_id = excluded.principal_id, "
    "principal_type = excluded.principal_type, description = excluded.description, "
    "created_on = excluded.created_on, updated_on = excluded.updated_on, "
    "created_by = excluded.created_by, updated_by = excluded.updated_by";
#define GALLERY_ASSIGNMENT_COLUMNS                                                   \
  "SELECT name, scope, role_definition, principal_id, principal_type, description, " \
  "created_on, updated_on, created_by, updated_by FROM role_assignments "
constexpr std::string_view kGetAssignment = GALLERY_ASSIGNMENT_COLUMNS "WHERE name = ?1";
constexpr std::string_view kListAssignments = GALLERY_ASSIGNMENT_COLUMNS;
#undef GALLERY_ASSIGNMENT_COLUMNS
constexpr std::string_view kDeleteAssignment = "DELETE FROM role_assignments WHERE name = ?1";
// ?1 the scope's key, ?2 the key followed by '/': at the scope, or below it segment-wise.
constexpr std::string_view kWithin = "(scope_key = ?1 OR substr(scope_key, 1, length(?2)) = ?2)";

constexpr std::string_view kPutDefinition =
    "INSERT INTO role_definitions (name, tenant_id, body) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO UPDATE SET tenant_id = excluded.tenant_id, body = excluded.body";
constexpr std::string_view kGetDefinition =
    "SELECT name, tenant_id, body FROM role_definitions WHERE name = ?1";
constexpr std::string_view kListDefinitions =
    "SELECT name, tenant_id, body FROM role_definitions ORDER BY name";
constexpr std::string_view kDeleteDefinition = "DELETE FROM role_definitions WHERE name = ?1";

Result<domain::RoleAssignment> ReadAssignment(const SqliteStatement& st) {
  domain::RoleAssignment a;
  a.name = st.ColumnText(0);
  Result<ResourceId> scope = ResourceId::Parse(st.ColumnText(1));
  if (!scope.ok()) {
    return CorruptRow("role assignment", a.name, "its scope does not parse");
  }
  a.scope = std::move(scope).value();
  a.role_definition_name = st.ColumnText(2);
  a.principal_id = st.ColumnText(3);
  std::optional<domain::PrincipalKind> kind = domain::ParsePrincipalType(st.ColumnText(4));
  if (!kind.has_value()) {
    return CorruptRow("role assignment", a.name, "unknown principal type");
  }
  a.principal_type = *kind;
  a.description = st.ColumnText(5);
  a.created_on = st.ColumnInt64(6);
  a.updated_on = st.ColumnInt64(7);
  a.created_by = st.ColumnText(8);
  a.updated_by = st.ColumnText(9);
  return a;
}

json EncodePermissions(const std::vector<domain::Permission>& permissions) {
  json out = json::array();
  for (const domain::Permission& p : permissions) {
    out.push_back({{"actions", p.actions},
                   {"notActions", p.not_actions},
                   {"dataActions", p.data_actions},
                   {"notDataActions", p.not_data_actions}});
  }
  return out;
}

// Columns: name, tenant_id, body.
Result<domain::RoleDefinition> ReadDefinition(const SqliteStatement& st) {
  domain::RoleDefinition d;
  d.name = st.ColumnText(0);
  d.tenant_id = st.ColumnText(1);
  d.type = domain::RoleType::kCustom;
  std::string_view body = st.ColumnText(2);
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return CorruptRow("role definition", d.name, "its body is not a JSON object");
  }
  try {
    d.role_name = doc.at("roleName").get<std::string>();
    d.description = doc.at("description").get<std::string>();
    d.assignable_scopes = doc.at("assignableScopes").get<std::vector<std::string>>();
    for (const json& p : doc.at("permissions")) {
      d.permissions.push_back({p.at("actions").get<std::vector<std::string>>(),
                               p.at("notActions").get<std::vector<std::string>>(),
                               p.at("dataActions").get<std::vector<std::string>>(),
                               p.at("notDataActions").get<std::vector<std::string>>()});
    }
    d.created_on = doc.at("createdOn").get<TimestampMs>();
    d.updated_on = doc.at("updatedOn").get<TimestampMs>();
    d.created_by = doc.at("createdBy").get<std::string>();
    d.updated_by = doc.at("updatedBy").get<std::string>();
  } catch (const json::exception& e) {
    return CorruptRow("role definition", d.name, e.what());
  }
  return d;
}

Status DeleteByName(SqliteConnection& conn, std::string_view sql, const std::string& name,
                    std::string_view what) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(sql));
  st.Bind(1, ToLower(name));
  GALLERY_RETURN_IF_ERROR(st.Run());
  if (conn.Changes() == 0) {
    return Status::NotFound("no " + std::string(what) + " named '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace

Status PutAssignment(SqliteConnection& conn, const domain::RoleAssignment& a) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kPutAssignment));
  st.Bind(1, ToLower(a.name))
      .Bind(2, a.scope.ToString())
      .Bind(3, a.scope.Key())
      .Bind(4, ToLower(a.role_definition_name))
      .Bind(5, ToLower(a.principal_id))
      .Bind(6, domain::PrincipalTypeName(a.principal_type))
      .Bind(7, a.description)
      .Bind(8, a.created_on)
      .Bind(9, a.updated_on)
      .Bind(10, a.created_by)
      .Bind(11, a.updated_by);
  return st.Run();
}

Result<std::optional<domain::RoleAssignment>> GetAssignment(SqliteConnection& conn,
                                                            const std::string& name) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kGetAssignment));
  st.Bind(1, ToLower(name));
  return QueryOne<domain::RoleAssignment>(st, ReadAssignment);
}

Status DeleteAssignment(SqliteConnection& conn, const std::string& name) {
  return DeleteByName(conn, kDeleteAssignment, name, "role assignment");
}

Result<std::vector<domain::RoleAssignment>> ListAssignments(SqliteConnection& conn,
                                                            const RoleAssignmentQuery& query) {
  std::string sql(kListAssignments);
  std::vector<std::string> params;
  std::string where;
  if (query.within.has_value()) {
    params = {query.within->Key(), query.within->Key() + "/"};
    where = std::string(kWithin);
  }
  if (!query.principal_id.empty()) {
    params.push_back(ToLower(query.principal_id));
    where += (where.empty() ? "" : " AND ") + std::string("principal_id = ?") +
             std::to_string(params.size());
  }
  if (!where.empty()) {
    sql += "WHERE " + where;
  }
  sql += " ORDER BY name";
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(sql));
  for (size_t i = 0; i < params.size(); ++i) {
    st.Bind(static_cast<int>(i + 1), params[i]);
  }
  return QueryAll<domain::RoleAssignment>(st, ReadAssignment);
}

Result<int64_t> DeleteAssignmentsWithin(SqliteConnection& conn, const ResourceId& scope) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare("DELETE FROM role_assignments WHERE " +
                                                            std::string(kWithin)));
  st.Bind(1, scope.Key()).Bind(2, scope.Key() + "/");
  GALLERY_RETURN_IF_ERROR(st.Run());
  return conn.Changes();
}

Status PutDefinition(SqliteConnection& conn, const domain::RoleDefinition& d) {
  json body = {{"roleName", d.role_name},
               {"description", d.description},
               {"permissions", EncodePermissions(d.permissions)},
               {"assignableScopes", d.assignable_scopes},
               {"createdOn", d.created_on},
               {"updatedOn", d.updated_on},
               {"createdBy", d.created_by},
               {"updatedBy", d.updated_by}};
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kPutDefinition));
  const std::string text = body.dump();
  st.Bind(1, ToLower(d.name)).Bind(2, d.tenant_id).Bind(3, text);
  return st.Run();
}

Result<std::optional<domain::RoleDefinition>> GetDefinition(SqliteConnection& conn,
                                                            const std::string& name) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kGetDefinition));
  st.Bind(1, ToLower(name));
  return QueryOne<domain::RoleDefinition>(st, ReadDefinition);
}

Status DeleteDefinition(SqliteConnection& conn, const std::string& name) {
  return DeleteByName(conn, kDeleteDefinition, name, "role definition");
}

Result<std::vector<domain::RoleDefinition>> ListDefinitions(SqliteConnection& conn) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kListDefinitions));
  return QueryAll<domain::RoleDefinition>(st, ReadDefinition);
}

}  // namespace gallery::metadata::sqlite_roles
