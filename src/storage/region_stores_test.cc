#include "storage/region_stores.h"

#include <gtest/gtest.h>
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

}  // namespace
}  // namespace gallery::storage
