#pragma once
// Rows of the export_grants table in the SQLite metadata store. Internal to the SQLite store:
// each function runs on the connection of a transaction the caller has checked is usable (and
// writable, for the writes). Errors as SqliteError(); Internal for a row whose resource id does
// not parse.

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "domain/export_grant.h"
#include "metadata/sqlite_connection.h"

namespace gallery::metadata::sqlite_export_grants {

Status Put(SqliteConnection& conn, const domain::ExportGrant& grant);
Result<std::optional<domain::ExportGrant>> Get(SqliteConnection& conn, const std::string& id);
Result<int64_t> DeleteOf(SqliteConnection& conn, const ResourceId& resource);
Result<int64_t> DeleteOne(SqliteConnection& conn, const ResourceId& resource,
                          const std::string& id);
Result<int64_t> Prune(SqliteConnection& conn, TimestampMs now);

}  // namespace gallery::metadata::sqlite_export_grants
