#include "storage/page_map.h"

#include <gtest/gtest.h>

#include <fstream>

#include "storage/image_test_util.h"

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kBlob = uint64_t{4} << 40;  // the largest disk: nothing scales with it

class PageMapTest : public testing::QemuImagesTest {
 protected:
  fs::path journal() const { return fs::path(dir.File("")).parent_path() / "b.pages"; }
  std::unique_ptr<PageMap> Open(const std::vector<PageRange>& seed = {}) {
    auto map = PageMap::Open(journal(), kBlob, seed);
    EXPECT_TRUE(map.ok()) << map.status().ToString();
    return map.ok() ? std::move(map).value() : nullptr;
  }
};

TEST_F(PageMapTest, ListsExactlyThePagesWrittenAndNotCleared) {
  auto map = Open();
  ASSERT_NE(map, nullptr);
  ASSERT_TRUE(map->Mark(0, 512).ok());
  EXPECT_EQ(map->Ranges(0, kBlob), (std::vector<PageRange>{{0, 512}}));
  ASSERT_TRUE(map->Mark(1024, 1024).ok());
  ASSERT_TRUE(map->Mark(512, 512).ok());  // joins both neighbours
  EXPECT_EQ(map->Ranges(0, kBlob), (std::vector<PageRange>{{0, 2048}}));
  ASSERT_TRUE(map->Mark(kBlob - 512, 512).ok());
  ASSERT_TRUE(map->Unmark(512, 1024).ok());  // splits one range in two
  EXPECT_EQ(map->Ranges(0, kBlob),
            (std::vector<PageRange>{{0, 512}, {1536, 512}, {kBlob - 512, 512}}));
  // A window clips.
  EXPECT_EQ(map->Ranges(1024, 2048), (std::vector<PageRange>{{1536, 512}}));
  EXPECT_EQ(map->Ranges(0, 1024), (std::vector<PageRange>{{0, 512}}));
  ASSERT_TRUE(map->Unmark(0, kBlob).ok());  // a clear of the whole blob
  EXPECT_TRUE(map->Ranges(0, kBlob).empty());
}

TEST_F(PageMapTest, SurvivesReopeningAndDropsATornLastRecord) {
  {
    auto map = Open();
    ASSERT_NE(map, nullptr);
    ASSERT_TRUE(map->Mark(0, 4 << 20).ok());
    ASSERT_TRUE(map->Unmark(512, 512).ok());
  }
  std::ofstream(journal(), std::ios::app) << "torn";  // a crash mid-append
  {
    auto map = Open({{0, kBlob}});  // a seed only applies to a new journal
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(map->Ranges(0, kBlob), (std::vector<PageRange>{{0, 512}, {1024, (4 << 20) - 1024}}));
    ASSERT_TRUE(map->Mark(8 << 20, 512).ok());
  }
  auto map = Open();
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->Ranges(0, kBlob),
            (std::vector<PageRange>{{0, 512}, {1024, (4 << 20) - 1024}, {8 << 20, 512}}));
}

TEST_F(PageMapTest, ANewJournalStartsFromItsSeed) {
  auto map = Open({{4096, 8192}});
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->Ranges(0, kBlob), (std::vector<PageRange>{{4096, 8192}}));
}

TEST_F(PageMapTest, MoreSeparateRangesThanTheBoundAreRefused) {
  auto map = Open();
  ASSERT_NE(map, nullptr);
  for (uint64_t i = 0; i < kMaxPageMapRanges; ++i) {
    ASSERT_TRUE(map->Mark(i * 1024, 512).ok()) << i;
  }
  Status refused = map->Mark(kMaxPageMapRanges * 1024, 512);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("separate ranges"), std::string::npos) << refused.message();
  EXPECT_EQ(map->Unmark(512, 2048).code(), StatusCode::kOk);  // removes two, splits none
  // A mark that joins a range adds none: always allowed.
  EXPECT_TRUE(map->Mark(2560, 512).ok());
  EXPECT_EQ(map->Ranges(0, 4096), (std::vector<PageRange>{{0, 512}, {2560, 1024}}));
}

TEST_F(PageMapTest, ADamagedJournalIsDataLoss) {
  {
    auto map = PageMap::Open(journal(), kBlob);
    ASSERT_TRUE(map.ok());
    ASSERT_TRUE((*map)->Mark(kBlob - 512, 512).ok());
  }
  auto small = PageMap::Open(journal(), 1 << 20);
  EXPECT_EQ(small.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace gallery::storage
