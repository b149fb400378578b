#include "domain/quota.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

constexpr char kRegion[] = "southcentralus";
constexpr char kSubscription[] = "00000000-0000-0000-0000-000000000001";

TEST(QuotaTest, DefaultsAreTheSpecsPerSubscriptionPerRegionQuotas) {
  Quotas quotas;
  EXPECT_EQ(QuotaLimit(QuotaKind::kGalleries, quotas), 10);
  EXPECT_EQ(QuotaLimit(QuotaKind::kImageDefinitions, quotas), 200);
  EXPECT_EQ(QuotaLimit(QuotaKind::kImageVersions, quotas), 2000);
}

TEST(QuotaTest, CreatingBelowTheLimitIsAllowed) {
  Quotas quotas;
  EXPECT_TRUE(CheckQuota(QuotaKind::kGalleries, 0, quotas, kRegion, kSubscription).ok());
  EXPECT_TRUE(CheckQuota(QuotaKind::kGalleries, 9, quotas, kRegion, kSubscription).ok());
  EXPECT_TRUE(CheckQuota(QuotaKind::kImageDefinitions, 199, quotas, kRegion, kSubscription).ok());
  EXPECT_TRUE(CheckQuota(QuotaKind::kImageVersions, 1999, quotas, kRegion, kSubscription).ok());
}

struct QuotaCase {
  QuotaKind kind;
  int64_t limit;
  const char* reason;
  const char* name;
  const char* localized;
};

class QuotaAtLimitTest : public ::testing::TestWithParam<QuotaCase> {};

TEST_P(QuotaAtLimitTest, CreatingAtTheLimitIsResourceExhaustedNamingQuotaLimitAndUsage) {
  const QuotaCase& c = GetParam();
  Quotas quotas;
  for (int64_t current : {c.limit, c.limit + 5}) {
    Status s = CheckQuota(c.kind, current, quotas, kRegion, kSubscription);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
    EXPECT_EQ(s.reason(), c.reason);
    EXPECT_THAT(s.message(), HasSubstr(std::string(c.localized) + " (" + c.name + ")"));
    EXPECT_THAT(s.message(), HasSubstr("Limit: " + std::to_string(c.limit) +
                                       ", current usage: " + std::to_string(current)));
    EXPECT_THAT(s.message(), HasSubstr(kRegion));
    EXPECT_THAT(s.message(), HasSubstr(kSubscription));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, QuotaAtLimitTest,
    ::testing::Values(QuotaCase{QuotaKind::kGalleries, 10, "GalleryQuotaExceeded", "galleries",
                                "Galleries"},
                      QuotaCase{QuotaKind::kImageDefinitions, 200, "GalleryImageQuotaExceeded",
                                "galleryImages", "Gallery Image Definitions"},
                      QuotaCase{QuotaKind::kImageVersions, 2000, "GalleryImageVersionQuotaExceeded",
                                "galleryImageVersions", "Gallery Image Versions"}));

TEST(QuotaTest, ConfiguredLimitsApply) {
  Quotas quotas;
  quotas.galleries = 1;
  EXPECT_TRUE(CheckQuota(QuotaKind::kGalleries, 0, quotas, kRegion, kSubscription).ok());
  Status s = CheckQuota(QuotaKind::kGalleries, 1, quotas, kRegion, kSubscription);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("Limit: 1, current usage: 1"));
}

TEST(QuotaTest, ZeroLimitRefusesEveryCreate) {
  Quotas quotas;
  quotas.image_versions = 0;
  Status s = CheckQuota(QuotaKind::kImageVersions, 0, quotas, kRegion, kSubscription);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.reason(), "GalleryImageVersionQuotaExceeded");
}

TEST(QuotaTest, UsageReportsNamesCurrentAndLimit) {
  Quotas quotas;
  QuotaUsage u = MakeQuotaUsage(QuotaKind::kImageDefinitions, 7, quotas);
  EXPECT_EQ(u.kind, QuotaKind::kImageDefinitions);
  EXPECT_EQ(u.name, "galleryImages");
  EXPECT_EQ(u.localized_name, "Gallery Image Definitions");
  EXPECT_EQ(u.current, 7);
  EXPECT_EQ(u.limit, 200);
}

}  // namespace
}  // namespace gallery::domain
