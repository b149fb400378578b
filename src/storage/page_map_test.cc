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

TEST_F(PageMapTest, WritesAndClearsThatWouldPassTheBoundAreRefusedByTheChecks) {
  EXPECT_EQ(Open()->max_ranges(), kMaxPageMapRanges);
  fs::remove(journal());
  auto opened = PageMap::Open(journal(), kBlob, {}, 3);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  PageMap& map = **opened;
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(map.CheckMark(i * 4096, 2048).ok()) << i;
    ASSERT_TRUE(map.Mark(i * 4096, 2048).ok()) << i;
  }
  // A fourth range, and a clear splitting a range in two, are refused; nothing is recorded.
  Status refused = map.CheckMark(3 * 4096, 512);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.reason(), kTooManyPageRangesReason);
  EXPECT_EQ(refused.message(),
            "Writing these pages would leave the blob's written pages in 4 separate ranges; a "
            "blob may have at most 3 here, so nothing was changed. Write the blob in larger "
            "contiguous pieces, or write the pages between the ranges already written (zeros "
            "count as written) so that they join.");
  Status split = map.CheckUnmark(512, 512);
  EXPECT_EQ(split.reason(), kTooManyPageRangesReason);
  EXPECT_EQ(split.message().substr(0, 54),
            "Clearing these pages would leave the blob's written pa");
  const std::vector<PageRange> three = {{0, 2048}, {4096, 2048}, {8192, 2048}};
  EXPECT_EQ(map.Ranges(0, kBlob), three);
  // What adds no range is allowed: joining, growing, clearing an edge or a whole range.
  EXPECT_TRUE(map.CheckMark(2048, 2048).ok());
  EXPECT_TRUE(map.CheckMark(8192, 4096).ok());
  EXPECT_TRUE(map.CheckUnmark(0, 512).ok());
  EXPECT_TRUE(map.CheckUnmark(4096, 2048).ok());
  EXPECT_TRUE(map.CheckUnmark(12288, 512).ok());  // nothing there
  ASSERT_TRUE(map.Unmark(4096, 2048).ok());
  EXPECT_TRUE(map.CheckMark(3 * 4096, 512).ok());  // a range is free again
}

TEST_F(PageMapTest, MarksAreRecordedPastTheBoundAndReopenAsTheyAre) {
  {
    auto map = PageMap::Open(journal(), kBlob, {}, 1);
    ASSERT_TRUE(map.ok());
    // Writes checked at the same time may each add a range: the record never fails for it.
    ASSERT_TRUE((*map)->Mark(0, 512).ok());
    ASSERT_TRUE((*map)->Mark(4096, 512).ok());
    EXPECT_EQ((*map)->CheckMark(8192, 512).reason(), kTooManyPageRangesReason);
    EXPECT_TRUE((*map)->CheckMark(512, 512).ok());  // adds none
  }
  auto map = PageMap::Open(journal(), kBlob, {}, 1);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ((*map)->Ranges(0, kBlob), (std::vector<PageRange>{{0, 512}, {4096, 512}}));
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
