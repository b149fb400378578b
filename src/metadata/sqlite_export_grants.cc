#include "metadata/sqlite_export_grants.h"

#include <string_view>

namespace gallery::metadata::sqlite_export_grants {

namespace {

constexpr std::string_view kPut =
    "INSERT INTO export_grants (id, resource_key, resource_id, manifest_id, created_at, "
    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(id) DO UPDATE SET resource_key = excluded.resource_key, "
    "resource_id = excluded.resource_id, manifest_id = excluded.manifest_id, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at";
constexpr std::string_view kGet =
    "SELECT id, resource_id, manifest_id, created_at, expires_at FROM export_grants "
    "WHERE id = ?1";
constexpr std::string_view kDeleteOf = "DELETE FROM export_grants WHERE resource_key = ?1";
constexpr std::string_view kDeleteOne =
    "DELETE FROM export_grants WHERE resource_key = ?1 AND id = ?2";
constexpr std::string_view kPrune = "DELETE FROM export_grants WHERE expires_at < ?1";

}  // namespace

Status Put(SqliteConnection& conn, const domain::ExportGrant& grant) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kPut));
  st.Bind(1, grant.id)
      .Bind(2, grant.resource.Key())
      .Bind(3, grant.resource.ToString())
      .Bind(4, grant.manifest_id)
      .Bind(5, grant.created_at)
      .Bind(6, grant.expires_at);
  return st.Run();
}

Result<std::optional<domain::ExportGrant>> Get(SqliteConnection& conn, const std::string& id) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kGet));
  st.Bind(1, id);
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return std::optional<domain::ExportGrant>();
  }
  Result<ResourceId> resource = ResourceId::Parse(st.ColumnText(1));
  if (!resource.ok()) {
    return Status::Internal("the export grant '" + id +
                            "' names a malformed resource id: " + resource.status().message());
  }
  return std::optional<domain::ExportGrant>(
      domain::ExportGrant{std::string(st.ColumnText(0)), std::move(*resource),
                          std::string(st.ColumnText(2)), st.ColumnInt64(3), st.ColumnInt64(4)});
}

Result<int64_t> DeleteOf(SqliteConnection& conn, const ResourceId& resource) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kDeleteOf));
  st.Bind(1, resource.Key());
  GALLERY_RETURN_IF_ERROR(st.Run());
  return conn.Changes();
}

Result<int64_t> DeleteOne(SqliteConnection& conn, const ResourceId& resource,
                          const std::string& id) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kDeleteOne));
  st.Bind(1, resource.Key()).Bind(2, id);
  GALLERY_RETURN_IF_ERROR(st.Run());
  return conn.Changes();
}

Result<int64_t> Prune(SqliteConnection& conn, TimestampMs now) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(kPrune));
  st.Bind(1, now);
  GALLERY_RETURN_IF_ERROR(st.Run());
  return conn.Changes();
}

}  // namespace gallery::metadata::sqlite_export_grants
