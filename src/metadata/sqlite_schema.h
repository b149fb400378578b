#pragma once
// The SQLite metadata schema and its migrations.
//
// The schema is an ordered list of migration steps, numbered 1, 2, ...; the table
// schema_migrations(version, applied_at) records each step applied to a database. Opening a
// database applies the missing steps in order, each in its own write transaction together with
// its schema_migrations row, so a crash leaves the database at a step boundary. A step, once
// released, never changes: a schema change is a new step appended to the list.
// Internal to the SQLite metadata store.

#include <cstdint>

#include "common/result.h"
#include "common/time.h"
#include "metadata/sqlite_connection.h"

namespace gallery::metadata {

// The newest schema version this build knows (the number of migration steps).
int32_t SqliteSchemaVersion();
// How many steps lead there (fewer than the version where numbers are reserved).
int32_t SqliteMigrationSteps();

// Brings the database of `conn` (a writable connection) up to SqliteSchemaVersion(), recording
// each step with `now` as its applied_at. Safe against another process migrating the same file
// at the same time (each step re-reads the version inside its write transaction).
// FailedPrecondition "database schema version N is newer than this galleryd supports (M)" when
// the database is newer than this build; Unavailable when busy beyond the connection's
// timeout; Internal when a step fails (the step is rolled back).
Status MigrateSchema(SqliteConnection& conn, TimestampMs now);

}  // namespace gallery::metadata
