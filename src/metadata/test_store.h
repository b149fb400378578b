#pragma once
// For tests over a real store: a fresh directory per test and a SQLite store opened in it.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "metadata/sqlite_store.h"

namespace gallery::metadata::test_support {

// An empty directory named after the running test (removed first if a crash left it).
inline std::filesystem::path FreshTestDir(const std::string& prefix) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

// Opens (creating) DIR/gallery.db into `store`. Use with ASSERT_NO_FATAL_FAILURE.
inline void OpenTestStore(const std::filesystem::path& dir,
                          std::unique_ptr<MetadataStore>& store) {
  auto opened = OpenSqliteStore(dir / "gallery.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store = std::move(*opened);
}

// How many manifest bodies DIR/gallery.db stores (copies of a manifest share one), read beside
// the open store; -1 when it cannot be read. Tests that call it link SQLite::SQLite3.
inline int64_t StoredManifestBodies(const std::filesystem::path& dir) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2((dir / "gallery.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM manifest_bodies", -1, &st, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      count = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return count;
}

}  // namespace gallery::metadata::test_support
