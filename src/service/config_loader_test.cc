// ParseGalleryConfig: the storage keys (the other sections are tested with the services that
// use them).

#include "service/config_loader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace gallery::service {
namespace {

TEST(StorageConfigTest, ScrubIntervalDefaultsToADayAndZeroTurnsThePeriodicScrubOff) {
  auto defaults = ParseGalleryConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->service.scrub_interval_ms, int64_t{24} * 3600 * 1000);

  auto weekly = ParseGalleryConfig(nlohmann::json::parse(
      R"({"storage": {"gcIntervalSeconds": 60, "scrubIntervalHours": 168}})"));
  ASSERT_TRUE(weekly.ok()) << weekly.status().ToString();
  EXPECT_EQ(weekly->service.scrub_interval_ms, int64_t{168} * 3600 * 1000);
  EXPECT_EQ(weekly->service.gc_interval_ms, int64_t{60} * 1000);

  auto off = ParseGalleryConfig(nlohmann::json::parse(R"({"storage": {"scrubIntervalHours": 0}})"));
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->service.scrub_interval_ms, 0);
}

TEST(StorageConfigTest, ScrubIntervalOutOfRangeOrNotAnIntegerIsRefusedNamingTheKey) {
  for (const char* bad : {R"({"storage": {"scrubIntervalHours": -1}})",
                          R"({"storage": {"scrubIntervalHours": 8761}})",
                          R"({"storage": {"scrubIntervalHours": "daily"}})",
                          R"({"storage": {"scrubIntervalHours": 1.5}})"}) {
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(parsed.status().reason(), "InvalidConfiguration") << bad;
    EXPECT_EQ(parsed.status().target(), "storage.scrubIntervalHours") << bad;
  }
}

}  // namespace
}  // namespace gallery::service
