#include "metadata/sqlite_schema.h"

#include <iterator>
#include <string>

namespace gallery::metadata {

namespace {

struct Migration {
  int32_t version;
  const char* sql;
};

// Append only. Case-insensitive columns (type, subscription, resource_group, location) are
// stored lower-cased and compared with lower-cased parameters, so every index is a plain binary
// one; `key` is ResourceId::Key(), already lower case.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE resources (
  key            TEXT PRIMARY KEY NOT NULL,
  id             TEXT NOT NULL,
  type           TEXT NOT NULL,
  subscription   TEXT NOT NULL,
  resource_group TEXT NOT NULL,
  parent_key     TEXT NOT NULL,
  location       TEXT NOT NULL,
  body           TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX resources_by_parent ON resources (parent_key, key);
CREATE INDEX resources_by_type ON resources (subscription, type, key);
CREATE INDEX resources_by_group ON resources (subscription, resource_group, key);
CREATE INDEX resources_by_location ON resources (subscription, type, location);

CREATE TABLE tenants (
  id           TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
  display_name TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

CREATE TABLE subscriptions (
  id           TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
  tenant_id    TEXT NOT NULL,
  display_name TEXT NOT NULL,
  state        TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

CREATE TABLE principals (
  object_id           TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
  tenant_id           TEXT NOT NULL,
  kind                TEXT NOT NULL,
  display_name        TEXT NOT NULL,
  app_id              TEXT NOT NULL,
  user_principal_name TEXT NOT NULL,
  secret_hash         TEXT NOT NULL,
  created_at          INTEGER NOT NULL
);
-- A client id names one principal: two with the same one would make token issuing ambiguous.
CREATE UNIQUE INDEX principals_by_app_id ON principals (lower(app_id)) WHERE app_id <> '';

CREATE TABLE operations (
  id            TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
  subscription  TEXT NOT NULL,
  location      TEXT NOT NULL,
  kind          TEXT NOT NULL,
  resource_key  TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  status        TEXT NOT NULL,
  start_time    INTEGER NOT NULL,
  end_time      INTEGER NOT NULL,
  not_before    INTEGER NOT NULL,
  error_code    TEXT NOT NULL,
  error_message TEXT NOT NULL,
  attempts      INTEGER NOT NULL
);
CREATE INDEX operations_by_status ON operations (status, not_before);
)sql"},
    {2, R"sql(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
)sql"},
    {3, R"sql(
-- The directory: who may administer it, users by sign-in name, group memberships.
ALTER TABLE principals ADD COLUMN directory_admin INTEGER NOT NULL DEFAULT 0;
UPDATE principals SET directory_admin = 1 WHERE object_id IN
  (SELECT json_extract(value, '$.objectId') FROM settings WHERE key = 'bootstrap');
CREATE UNIQUE INDEX principals_by_upn ON principals (lower(user_principal_name))
  WHERE user_principal_name <> '';
CREATE INDEX principals_by_tenant ON principals (tenant_id, kind, object_id);
CREATE TABLE group_members (
  group_id  TEXT NOT NULL COLLATE NOCASE,
  member_id TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_by_member ON group_members (member_id, group_id);
)sql"},
    {4, R"sql(
-- Role assignments: who holds which role at which scope. scope_key is ResourceId::Key() of
-- the scope; principal_id and role_definition are stored lower-cased.
CREATE TABLE role_assignments (
  name            TEXT PRIMARY KEY NOT NULL,
  scope           TEXT NOT NULL,
  scope_key       TEXT NOT NULL,
  role_definition TEXT NOT NULL,
  principal_id    TEXT NOT NULL,
  principal_type  TEXT NOT NULL,
  description     TEXT NOT NULL,
  created_on      INTEGER NOT NULL,
  updated_on      INTEGER NOT NULL,
  created_by      TEXT NOT NULL,
  updated_by      TEXT NOT NULL
);
CREATE INDEX role_assignments_by_scope ON role_assignments (scope_key);
CREATE INDEX role_assignments_by_principal ON role_assignments (principal_id);

-- Custom role definitions (built-in roles live in code); body holds roleName, description,
-- permissions, assignableScopes and the created/updated stamps as JSON.
CREATE TABLE role_definitions (
  name      TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  body      TEXT NOT NULL
);
)sql"},
    {5, R"sql(
-- Who asked for an operation, so its completion is logged in their name.
ALTER TABLE operations ADD COLUMN origin_tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN origin_caller TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN origin_caller_name TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN origin_correlation_id TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN origin_client_request_id TEXT NOT NULL DEFAULT '';

CREATE TABLE activity_events (
  event_id          TEXT PRIMARY KEY NOT NULL,
  subscription      TEXT NOT NULL,
  event_time        INTEGER NOT NULL,
  submission_time   INTEGER NOT NULL,
  tenant_id         TEXT NOT NULL,
  caller_object_id  TEXT NOT NULL,
  caller_name       TEXT NOT NULL,
  action            TEXT NOT NULL,
  scope             TEXT NOT NULL,
  scope_key         TEXT NOT NULL,
  resource_group    TEXT NOT NULL,
  status            TEXT NOT NULL,
  http_status       INTEGER NOT NULL,
  correlation_id    TEXT NOT NULL,
  client_request_id TEXT NOT NULL,
  http_method       TEXT NOT NULL,
  client_address    TEXT NOT NULL,
  operation_id      TEXT NOT NULL,
  error_code        TEXT NOT NULL,
  error_message     TEXT NOT NULL
);
CREATE INDEX activity_by_time ON activity_events (subscription, event_time, event_id);
CREATE INDEX activity_by_correlation ON activity_events (subscription, correlation_id);
CREATE INDEX activity_for_pruning ON activity_events (event_time);

CREATE TABLE registrations (
  subscription TEXT NOT NULL,
  kind         TEXT NOT NULL,
  name_key     TEXT NOT NULL,
  name         TEXT NOT NULL,
  state        TEXT NOT NULL,
  changed_at   INTEGER NOT NULL,
  PRIMARY KEY (subscription, kind, name_key)
);
)sql"},
    {6, R"sql(
-- Manifests: the bytes of disks (and later images and versions) as ordered chunk lists, kept
-- as opaque encoded bodies; region names the chunk store their chunks live in.
CREATE TABLE manifests (
  id         TEXT PRIMARY KEY NOT NULL,
  region     TEXT NOT NULL,
  body       BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
)sql"},
    {7, R"sql(
-- Export grants: Read grants on the data of managed images and image versions (the signed
-- /exports/{id} URLs). resource_key is ResourceId::Key() of the resource.
CREATE TABLE export_grants (
  id           TEXT PRIMARY KEY NOT NULL,
  resource_key TEXT NOT NULL,
  resource_id  TEXT NOT NULL,
  manifest_id  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX export_grants_by_resource ON export_grants (resource_key);
CREATE INDEX export_grants_by_expiry ON export_grants (expires_at);
)sql"},
    {8, R"sql(
-- Replication: a region may have several chunk stores, so a manifest names its store (a
-- region's first store is named like the region, so existing rows keep their meaning).
ALTER TABLE manifests RENAME COLUMN region TO store;
-- Bytes replication moved between regions, per (source, target) pair, for billing.
CREATE TABLE replication_egress (
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  bytes  INTEGER NOT NULL,
  PRIMARY KEY (source, target)
);
)sql"},
    {9, R"sql(
-- Manifest bodies stored once however many manifests name them: a version's replicas, and a
-- version made from an image, share one chunk list (up to 105 MB for a 100 GiB disk), which
-- each used to store again. Existing rows keep a body each.
CREATE TABLE manifest_bodies (
  id   INTEGER PRIMARY KEY,
  body BLOB NOT NULL
);
INSERT INTO manifest_bodies (id, body) SELECT rowid, body FROM manifests;
CREATE TABLE manifests_sharing (
  id         TEXT PRIMARY KEY NOT NULL,
  store      TEXT NOT NULL,
  body_id    INTEGER NOT NULL REFERENCES manifest_bodies (id),
  created_at INTEGER NOT NULL
);
INSERT INTO manifests_sharing (id, store, body_id, created_at)
  SELECT id, store, rowid, created_at FROM manifests;
DROP TABLE manifests;
ALTER TABLE manifests_sharing RENAME TO manifests;
CREATE INDEX manifests_by_body ON manifests (body_id);
)sql"},
};

constexpr int32_t kLatestVersion = kMigrations[std::size(kMigrations) - 1].version;

// Versions strictly increase, so "the step after version N" is well defined even where
// numbers were reserved for steps that another line of development adds.
constexpr bool StrictlyIncreasing() {
  for (size_t i = 1; i < std::size(kMigrations); ++i) {
    if (kMigrations[i].version <= kMigrations[i - 1].version) {
      return false;
    }
  }
  return true;
}
static_assert(StrictlyIncreasing(), "migration versions must strictly increase");

Result<int64_t> CurrentVersion(SqliteConnection& conn) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st,
                           conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt64(0) : 0;
}

// Applies the step after the database's current version, if any. Sets *done when there is
// none. Runs inside the caller's write transaction.
Status ApplyNextStep(SqliteConnection& conn, TimestampMs now, bool* done) {
  GALLERY_ASSIGN_OR_RETURN(int64_t current, CurrentVersion(conn));
  if (current > kLatestVersion) {
    return Status::FailedPrecondition("database schema version " + std::to_string(current) +
                                      " is newer than this galleryd supports (" +
                                      std::to_string(kLatestVersion) + ")");
  }
  if (current == kLatestVersion) {
    *done = true;
    return Status::Ok();
  }
  const Migration* next = nullptr;
  for (const Migration& m : kMigrations) {
    if (m.version > current) {
      next = &m;
      break;
    }
  }
  const Migration& step = *next;  // exists: current < kLatestVersion
  GALLERY_RETURN_IF_ERROR(conn.Exec(step.sql));
  GALLERY_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      conn.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)"));
  insert.Bind(1, int64_t{step.version}).Bind(2, now);
  return insert.Run();
}

}  // namespace

int32_t SqliteSchemaVersion() { return kLatestVersion; }

int32_t SqliteMigrationSteps() { return static_cast<int32_t>(std::size(kMigrations)); }

Status MigrateSchema(SqliteConnection& conn, TimestampMs now) {
  static_assert(kLatestVersion > 0, "the schema needs at least one step");
  GALLERY_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
  bool done = false;
  while (!done) {
    GALLERY_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    Status status = ApplyNextStep(conn, now, &done);
    if (status.ok()) {
      status = conn.Exec("COMMIT");
    }
    if (!status.ok()) {
      if (conn.InTransaction()) {
        (void)conn.Exec("ROLLBACK");  // the step's own error is the one to report
      }
      return status;
    }
  }
  return Status::Ok();
}

}  // namespace gallery::metadata
