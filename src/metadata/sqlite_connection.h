#pragma once
// SqliteConnection: one SQLite database handle and its cache of prepared statements, and
// SqliteStatement, a cached statement borrowed for one use. Internal to the SQLite metadata
// store (sqlite_store.cc, sqlite_schema.cc); nothing outside src/metadata includes this.
//
//   GALLERY_ASSIGN_OR_RETURN(SqliteStatement st,
//                            conn.Prepare("SELECT body FROM resources WHERE key = ?1"));
//   st.Bind(1, key);
//   GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
//   if (row) { use(st.ColumnText(0)); }
//
// Thread-compatible: a connection (and its statements) is used by one thread at a time; the
// store hands each connection to one transaction at a time.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gallery::metadata {

// The Status for SQLite result code `rc` (primary or extended) from an operation described by
// `what`, with SQLite's message for `db` (may be null):
//   BUSY, LOCKED, and I/O, disk-full, cannot-open, read-only, protocol errors -> Unavailable;
//   everything else (constraint violations, corruption, misuse, ...)         -> Internal.
Status SqliteError(int rc, sqlite3* db, std::string_view what);

// A prepared statement borrowed from a connection's cache. Reset and unbound when destroyed, so
// the next borrower starts clean. Movable, not copyable; must not outlive its connection. One
// SQL text has one cached statement: borrow it again only after the previous borrow ended.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binds parameter `index` (1-based). A failed bind is reported by the next Step()/Run().
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  // Binds bytes as a BLOB (no text conversion).
  SqliteStatement& BindBlob(int index, std::string_view bytes);

  // Runs to the next row: true when a row is available, false when the statement is done.
  // Errors as SqliteError().
  Result<bool> Step();
  // Runs to completion, ignoring any rows.
  Status Run();

  // Columns of the current row (0-based). Text is valid until the next Step() or destruction.
  std::string_view ColumnText(int column) const;
  int64_t ColumnInt64(int column) const;
  // A BLOB column's bytes, valid like ColumnText.
  std::string_view ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class SqliteConnection;
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  void RecordBind(int rc);

  sqlite3_stmt* stmt_;  // owned by the connection's cache; null after a move
  sqlite3* db_;
  int bind_rc_ = 0;  // first failed bind, SQLITE_OK (0) when none
};

class SqliteConnection {
 public:
  // Opens the existing database file `file` (it is not created here, so its mode is the
  // caller's) for reading and writing, with extended result codes, `busy_timeout_ms`, and
  // foreign_keys=ON, synchronous=FULL. With `query_only`, writes fail (PRAGMA query_only).
  // Unavailable when the file cannot be opened; Internal when it is not a database.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& file,
                                                        int32_t busy_timeout_ms, bool query_only);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // The cached statement for `sql` (one statement), prepared on first use. Internal when the
  // SQL does not compile; Unavailable when the database is busy while compiling.
  Result<SqliteStatement> Prepare(std::string_view sql);
  // Runs `sql` (any number of statements) without caching: pragmas and migrations.
  Status Exec(const std::string& sql);
  // The single text value `sql` returns (e.g. a PRAGMA's answer); Internal when it returns none.
  Result<std::string> QueryText(std::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // True inside BEGIN ... COMMIT/ROLLBACK (false after SQLite rolled back by itself).
  bool InTransaction() const;

  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> cache_;
};

// The error for a stored row that does not decode: Internal "stored {what} '{id}' is corrupt:
// {why}".
inline Status CorruptRow(std::string_view what, std::string_view id, std::string_view why) {
  return Status::Internal("stored " + std::string(what) + " '" + std::string(id) +
                          "' is corrupt: " + std::string(why));
}

// Runs `st` (already bound) and reads at most one row with `read` (a function of the statement
// returning Result<T>).
template <typename T, typename F>
Result<std::optional<T>> QueryOne(SqliteStatement& st, F read) {
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return std::optional<T>();
  }
  GALLERY_ASSIGN_OR_RETURN(T value, read(st));
  return std::optional<T>(std::move(value));
}

// Runs `st` (already bound) and reads every row with `read`.
template <typename T, typename F>
Result<std::vector<T>> QueryAll(SqliteStatement& st, F read) {
  std::vector<T> out;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return out;
    }
    GALLERY_ASSIGN_OR_RETURN(T value, read(st));
    out.push_back(std::move(value));
  }
}

}  // namespace gallery::metadata
