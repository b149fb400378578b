#include "storage/region_stores.h"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;

TEST(RegionStoresTest, OneStorePerRegionUnderTheRoot) {
  const fs::path root = fs::temp_directory_path() / ("stores-" + std::to_string(::getpid()));
  fs::remove_all(root);
  {
    RegionStores stores(root);
    auto west = stores.For("westus");
    ASSERT_TRUE(west.ok()) << west.status().ToString();
    EXPECT_EQ(*stores.For("westus"), *west);  // opened once
    auto east = stores.For("eastus");
    ASSERT_TRUE(east.ok());
    EXPECT_NE(*east, *west);
    EXPECT_TRUE(fs::is_directory(root / "westus"));
    EXPECT_TRUE(fs::is_directory(root / "eastus"));
    for (const std::string bad : {"", "..", "a/b", "../x"}) {
      EXPECT_EQ(stores.For(bad).status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  fs::remove_all(root);
}

TEST(RegionStoresTest, ConfiguredStoresLiveAtTheirPaths) {
  const fs::path root = fs::temp_directory_path() / ("stores-p-" + std::to_string(::getpid()));
  fs::remove_all(root);
  {
    RegionStores stores(root / "default", {}, {{"westus-2", root / "mnt-b"}});
    ASSERT_TRUE(stores.For("westus").ok());
    auto second = stores.For("westus-2");
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_TRUE(fs::is_directory(root / "mnt-b" / "chunks"));
    EXPECT_FALSE(fs::exists(root / "default" / "westus-2"));
    EXPECT_EQ(stores.PathOf("westus-2"), root / "mnt-b");
    EXPECT_EQ(stores.Existing(), (std::vector<std::string>{"westus", "westus-2"}));
  }
  {
    // A path that cannot be a folder (a file is in the way): the store is unavailable.
    std::ofstream(root / "blocked") << "x";
    RegionStores stores(root / "default", {}, {{"eastus-2", root / "blocked"}});
    EXPECT_EQ(stores.For("eastus-2").status().code(), StatusCode::kUnavailable);
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace gallery::storage
