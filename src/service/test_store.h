#pragma once
// For service tests: a store opened in a fresh directory and bootstrapped, as galleryd does at
// start.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "metadata/test_store.h"
#include "service/bootstrap.h"

namespace gallery::service::test_support {

using metadata::test_support::FreshTestDir;
using metadata::test_support::StoredManifestBodies;

// Opens (creating) DIR/gallery.db into `store` and bootstraps it into `boot`. Use with
// ASSERT_NO_FATAL_FAILURE.
inline void OpenBootstrapped(const std::filesystem::path& dir, const Clock& clock, Random& random,
                             std::unique_ptr<metadata::MetadataStore>& store,
                             BootstrapIdentity& boot) {
  ASSERT_NO_FATAL_FAILURE(metadata::test_support::OpenTestStore(dir, store));
  auto booted = EnsureBootstrap(*store, clock, random);
  ASSERT_TRUE(booted.ok()) << booted.status().ToString();
  boot = *booted;
}

}  // namespace gallery::service::test_support
