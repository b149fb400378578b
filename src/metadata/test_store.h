#pragma once
// For tests over a real store: a fresh directory per test and a SQLite store opened in it.

#include <gtest/gtest.h>
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

}  // namespace gallery::metadata::test_support
