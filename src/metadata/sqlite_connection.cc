#include "metadata/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

namespace gallery::metadata {

Status SqliteError(int rc, sqlite3* db, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    // The connection's message says more (which constraint, which file) when it is about rc.
    message += " (" + std::string(sqlite3_errmsg(db)) + ")";
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
      return Status::Unavailable("the metadata database is busy: " + message);
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_PERM:
      return Status::Unavailable("the metadata database is unavailable: " + message);
    default:
      return Status::Internal("metadata database error: " + message);
  }
}

// ---------------------------------------------------------------- SqliteStatement

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), bind_rc_(other.bind_rc_) {}

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void SqliteStatement::RecordBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away before Step().
  // A null pointer would bind SQL NULL, so an empty view binds "" explicitly.
  const char* data = text.data() != nullptr ? text.data() : "";
  RecordBind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  RecordBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  RecordBind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

Result<bool> SqliteStatement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return SqliteError(bind_rc_, db_, std::string("binding a parameter of ") + sqlite3_sql(stmt_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return SqliteError(rc, db_, std::string("running ") + sqlite3_sql(stmt_));
}

Status SqliteStatement::Run() {
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) {
      return Status::Ok();
    }
  }
}

std::string_view SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) {
    return {};
  }
  // sqlite3_column_bytes after sqlite3_column_text: the length of the UTF-8 form just returned.
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view SqliteStatement::ColumnBlob(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) {
    return {};
  }
  return {static_cast<const char*>(bytes),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool SqliteStatement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------- SqliteConnection

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::filesystem::path& file,
                                                                 int32_t busy_timeout_ms,
                                                                 bool query_only) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is confined to one thread at a time by the store, so SQLite's own
  // per-connection mutex would only cost time.
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(rc, db, "opening '" + file.string() + "'");
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;";
  if (query_only) {
    pragmas += " PRAGMA query_only = ON;";
  }
  GALLERY_RETURN_IF_ERROR(conn->Exec(pragmas));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db_);
}

Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    return SqliteStatement(it->second, db_);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(rc, db_, "preparing " + std::string(sql));
  }
  if (stmt == nullptr) {
    return Status::Internal("preparing an empty SQL statement");
  }
  cache_.emplace(std::string(sql), stmt);
  return SqliteStatement(stmt, db_);
}

Status SqliteConnection::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // SqliteError reads the same message from the connection
  if (rc != SQLITE_OK) {
    return SqliteError(rc, db_, "running " + sql);
  }
  return Status::Ok();
}

Result<std::string> SqliteConnection::QueryText(std::string_view sql) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, Prepare(sql));
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return Status::Internal(std::string(sql) + " returned no row");
  }
  return std::string(st.ColumnText(0));
}

int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace gallery::metadata
