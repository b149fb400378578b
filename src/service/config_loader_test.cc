// ParseGalleryConfig: the storage and replication keys (the other sections are tested with the services that
// use them).

#include "service/config_loader.h"

#include <gtest/gtest.h>

#include <fstream>
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

TEST(DiskConfigTest, MaxPageRangesIsReadAndAtMostThePageMapBound) {
  auto defaults = ParseGalleryConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->service.disks.max_page_ranges,
            static_cast<int64_t>(storage::kMaxPageMapRanges));
  auto set = ParseGalleryConfig(nlohmann::json::parse(R"({"disks": {"maxPageRanges": 4}})"));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->service.disks.max_page_ranges, 4);
  for (const char* bad :
       {R"({"disks": {"maxPageRanges": 0}})", R"({"disks": {"maxPageRanges": 262145}})"}) {
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().reason(), "InvalidConfiguration") << bad;
    EXPECT_EQ(parsed.status().target(), "disks.maxPageRanges") << bad;
  }
}

TEST(DiskConfigTest, UploadWriteThreadsAndSealAnswerWaitAreReadAndBounded) {
  auto defaults = ParseGalleryConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->service.disks.upload_write_threads, storage::kDefaultUploadWriteThreads);
  EXPECT_EQ(defaults->service.disks.seal_answer_wait_ms, 1000);
  auto set = ParseGalleryConfig(nlohmann::json::parse(
      R"({"disks": {"uploadWriteThreads": 0, "sealAnswerWaitMs": 250}})"));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->service.disks.upload_write_threads, 0);
  EXPECT_EQ(set->service.disks.seal_answer_wait_ms, 250);
  for (auto [bad, key] : {std::pair{R"({"disks": {"uploadWriteThreads": 65}})",
                                    "disks.uploadWriteThreads"},
                          std::pair{R"({"disks": {"uploadWriteThreads": -1}})",
                                    "disks.uploadWriteThreads"},
                          std::pair{R"({"disks": {"sealAnswerWaitMs": 10001}})",
                                    "disks.sealAnswerWaitMs"},
                          std::pair{R"({"disks": {"sealAnswerWaitMs": "1s"}})",
                                    "disks.sealAnswerWaitMs"}}) {
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().reason(), "InvalidConfiguration") << bad;
    EXPECT_EQ(parsed.status().target(), key) << bad;
  }
}

TEST(ReplicationConfigTest, WorkersRetriesAndLinksAreRead) {
  auto defaults = ParseGalleryConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->service.replication.workers, 4);
  EXPECT_EQ(defaults->service.replication.max_attempts, 5);
  EXPECT_EQ(defaults->service.links.For("eastus", "westus").bytes_per_second, 0);

  auto parsed = ParseGalleryConfig(nlohmann::json::parse(R"({
      "replication": {"workers": 8, "threadsPerJob": 3, "maxAttempts": 2, "retryBaseMs": 100,
                      "retryMaxMs": 400},
      "links": {"default": {"bandwidthMBps": 100, "latencyMs": 20},
                "pairs": [{"from": "eastus", "to": "westeurope", "bandwidthMBps": 50}]}})"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->service.replication.workers, 8);
  EXPECT_EQ(parsed->service.replication.threads_per_job, 3);
  EXPECT_EQ(parsed->service.replication.max_attempts, 2);
  EXPECT_EQ(parsed->service.replication.retry_base_ms, 100);
  EXPECT_EQ(parsed->service.replication.retry_max_ms, 400);
  EXPECT_EQ(parsed->service.links.For("eastus", "westus").bytes_per_second, 100e6);
  EXPECT_EQ(parsed->service.links.For("westeurope", "eastus").bytes_per_second, 50e6);
}

TEST(ReplicationConfigTest, BadReplicationKeysAreRefusedNamingTheKey) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"({"replication": {"workers": 0}})", "replication.workers"},
      {R"({"replication": {"threadsPerJob": 65}})", "replication.threadsPerJob"},
      {R"({"replication": {"maxAttempts": "many"}})", "replication.maxAttempts"},
      {R"({"replication": {"retryBaseMs": 0}})", "replication.retryBaseMs"},
      {R"({"replication": {"retryBaseMs": 5000, "retryMaxMs": 1000}})",
       "replication.retryMaxMs"},
      {R"({"links": {"default": {"bandwidthMBps": -5}}})", "links.default.bandwidthMBps"},
  };
  for (const auto& [bad, target] : cases) {
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().reason(), "InvalidConfiguration") << bad;
    EXPECT_EQ(parsed.status().target(), target) << bad;
  }
}

TEST(ReplicationConfigTest, TheShippedConfigurationFilesParse) {
  for (const char* name : {"galleryd.json", "links-example.json"}) {
    std::ifstream in(std::string(GALLERY_CONFIG_DIR) + "/" + name);
    ASSERT_TRUE(in.good()) << name;
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(in));
    EXPECT_TRUE(parsed.ok()) << name << ": " << parsed.status().ToString();
  }
}

}  // namespace
}  // namespace gallery::service
