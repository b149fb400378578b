#pragma once
// The SQLite MetadataStore: the embedded default, one database file in the data directory.
//
// Durability: WAL journal with synchronous=FULL, so a committed transaction survives a crash
// or power loss. Concurrency: one write connection, taken by a write transaction for its whole
// life (BEGIN IMMEDIATE ... COMMIT), and a pool of read connections whose transactions see the
// snapshot of the moment Begin(kRead) returned and never block, or wait for, the writer.
// Resources are stored as EncodeResource() documents (resource_codec.h) beside the columns
// that lists filter on; the schema is created and upgraded by migrations (sqlite_schema.h).
//
//   GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> store,
//                            OpenSqliteStore(data_dir / "metadata.db"));
//   GALLERY_ASSIGN_OR_RETURN(auto tx, store->Begin(TxMode::kRead));
//
// Errors beyond MetadataStore's:
//   - Begin(kWrite) waits up to busy_timeout_ms for the write transaction before it (in this or
//     another process), Begin(kRead) as long for a free read connection: then Unavailable.
//   - A write call (Put*, Delete*, Prune*) on a read transaction, or any call after Commit():
//     FailedPrecondition.
//   - ListResources/CountResources with a resource_group match what is in the group, not the
//     group's own row (list groups with parent = the subscription id).
//   - ListResources/CountResources without a subscription or with a negative limit, and
//     ListRunnableOperations with a limit below 1: InvalidArgument.
//   - A write the schema refuses (two principals with the same app id, case-insensitively):
//     Internal.
//   - A statement that fails inside a write transaction may make SQLite roll the transaction
//     back; every later call on it then returns Unavailable, and nothing of it is committed.
//   - ListRunnableOperations orders by start_time, then id.
// Thread-safe. The store must outlive every Transaction it began.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "common/result.h"
#include "metadata/metadata_store.h"

namespace gallery::metadata {

struct SqliteOptions {
  // How long to wait for a lock, the previous write transaction, or a free read connection.
  int32_t busy_timeout_ms = 5000;
  // Read transactions that may run at the same time; more wait for one to end.
  int32_t read_connections = 4;
  // Stored bodies (bytes) whose decoded resources are kept for later reads of the unchanged
  // rows (resource_memo.h); 0 decodes every read.
  size_t memo_bytes = size_t{16} << 20;
};

// Opens the database file `db_file`, creating it (mode 0600) and its missing parent directories
// (mode 0700) when absent, and migrates its schema to this build's version.
// InvalidArgument when an option is out of range (busy_timeout_ms < 0, read_connections < 1);
// FailedPrecondition "database schema version N is newer than this galleryd supports (M)", or
// when another store (in this or another process) has the file open: the store holds an
// exclusive lock on `db_file`.lock while it lives, since its caches trust that every change is
// its own;
// Unavailable when the file or a directory cannot be created or opened, or stays locked beyond
// busy_timeout_ms; Internal when the file is not an SQLite database.
Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::filesystem::path& db_file,
                                                       SqliteOptions opts = {});

}  // namespace gallery::metadata
