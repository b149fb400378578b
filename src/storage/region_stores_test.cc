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

TEST(RegionStoresTest, AStoreThatHoldsDataButLostItsFolderIsAProblemUntilItComesBack) {
  const fs::path root = fs::temp_directory_path() / ("stores-m-" + std::to_string(::getpid()));
  fs::remove_all(root);
  {
    RegionStores stores(
        root / "default", {}, {{"canadaeast", root / "mnt" / "canadaeast"}},
        [](const std::string& name) -> Result<bool> { return name == "canadaeast"; });
    EXPECT_TRUE(stores.Problem("canadaeast").ok());  // never asked for
    EXPECT_EQ(stores.For("canadaeast").status().code(), StatusCode::kUnavailable);
    Status problem = stores.Problem("canadaeast");
    EXPECT_EQ(problem.code(), StatusCode::kUnavailable);
    EXPECT_NE(problem.message().find("chunk store 'canadaeast' is missing"), std::string::npos)
        << problem.message();
    EXPECT_FALSE(fs::exists(root / "mnt"));
    // The disk is mounted again (a folder with its marker): the store is usable.
    fs::create_directories(root / "mnt" / "canadaeast");
    std::ofstream(root / "mnt" / "canadaeast" / "STORE")
        << "gallery chunk store\nname canadaeast\n";
    EXPECT_TRUE(stores.Problem("canadaeast").ok());
    EXPECT_TRUE(stores.For("canadaeast").ok());
    EXPECT_TRUE(stores.For("westus").ok());  // a new store that holds nothing yet
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace gallery::storage
