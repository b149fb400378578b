#include "storage/region_stores.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

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
    EXPECT_TRUE(fs::is_directory(root / "mnt-b" / "packs"));
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

// A store opened once and whose folder is later empty (its disk not mounted) is refused even
// when no manifest is recorded in it yet: the root remembers the stores opened through it.
TEST(RegionStoresTest, AStoreOpenedBeforeIsRefusedWhenItsFolderIsEmpty) {
  const fs::path root = fs::temp_directory_path() / ("stores-u-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path mount = root / "mnt" / "eastus";
  const std::map<std::string, fs::path> paths = {{"eastus", mount}};
  { ASSERT_TRUE(RegionStores(root / "default", {}, paths).For("eastus").ok()); }
  fs::remove_all(mount);
  fs::create_directories(mount);  // the empty mount point
  {
    RegionStores stores(root / "default", {}, paths);
    Result<ChunkStore*> opened = stores.For("eastus");
    EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
    const std::string message = opened.status().message();
    EXPECT_NE(message.find("chunk store 'eastus' is missing"), std::string::npos) << message;
    EXPECT_NE(message.find("not mounted"), std::string::npos) << message;
    EXPECT_EQ(message.find(root.string()), std::string::npos) << message;
    EXPECT_TRUE(fs::is_empty(mount));
    EXPECT_TRUE(stores.For("westus").ok());  // a new store is still created
    // The disk is mounted again: the store is usable.
    std::ofstream(mount / "STORE") << "gallery chunk store\nname eastus\n";
    EXPECT_TRUE(stores.For("eastus").ok());
  }
  std::ifstream used(root / "default" / "stores-used");
  std::string text((std::istreambuf_iterator<char>(used)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "eastus\nwestus\n");
  fs::remove_all(root);
}

// A store whose use cannot be recorded is not used: the open fails, releases the folder, and is
// tried again on the next call.
TEST(RegionStoresTest, AStoreWhoseUseCannotBeRecordedIsNotUsed) {
  const fs::path root = fs::temp_directory_path() / ("stores-r-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "stores-used");  // in the way of the file
  {
    RegionStores stores(root);
    Result<ChunkStore*> refused = stores.For("westus");
    EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(refused.status().message(), "cannot record that chunk store 'westus' is in use");
    EXPECT_EQ(stores.Problem("westus").code(), StatusCode::kUnavailable);
    fs::remove(root / "stores-used");
    EXPECT_TRUE(stores.Problem("westus").ok());  // the folder's lock was released
    EXPECT_TRUE(stores.For("westus").ok());
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace gallery::storage
