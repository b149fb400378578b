#pragma once
// Rows of the role tables (role_assignments, role_definitions) in the SQLite metadata store.
// Internal to the SQLite store: each function runs on the connection of a transaction that the
// caller has checked is usable (and writable, for the writes). Errors as SqliteError();
// Internal for a corrupt row; NotFound from the Delete* of a missing name.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "metadata/metadata_store.h"
#include "metadata/sqlite_connection.h"

namespace gallery::metadata::sqlite_roles {

Status PutAssignment(SqliteConnection& conn, const domain::RoleAssignment& assignment);
Result<std::optional<domain::RoleAssignment>> GetAssignment(SqliteConnection& conn,
                                                            const std::string& name);
Status DeleteAssignment(SqliteConnection& conn, const std::string& name);
Result<std::vector<domain::RoleAssignment>> ListAssignments(SqliteConnection& conn,
                                                            const RoleAssignmentQuery& query);
Result<int64_t> DeleteAssignmentsWithin(SqliteConnection& conn, const ResourceId& scope);

Status PutDefinition(SqliteConnection& conn, const domain::RoleDefinition& definition);
Result<std::optional<domain::RoleDefinition>> GetDefinition(SqliteConnection& conn,
                                                            const std::string& name);
Status DeleteDefinition(SqliteConnection& conn, const std::string& name);
Result<std::vector<domain::RoleDefinition>> ListDefinitions(SqliteConnection& conn);

}  // namespace gallery::metadata::sqlite_roles
