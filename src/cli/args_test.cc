#include "cli/args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(TargetRegionsTest, BareRegionHasNoCount) {
  Result<json> r = ParseTargetRegions({"eastus"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, json::parse(R"([{"name":"eastus"}])"));
}

TEST(TargetRegionsTest, RegionEqualsCountSetsRegionalReplicaCount) {
  Result<json> r = ParseTargetRegions({"southcentralus=2", "eastus"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(
      *r, json::parse(R"([{"name":"southcentralus","regionalReplicaCount":2},{"name":"eastus"}])"));
}

TEST(TargetRegionsTest, StorageAccountTypeIsMatchedCaseInsensitively) {
  Result<json> r = ParseTargetRegions({"eastus=standard_zrs", "westus=3=premium_lrs"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, json::parse(R"([{"name":"eastus","storageAccountType":"Standard_ZRS"},
      {"name":"westus","regionalReplicaCount":3,"storageAccountType":"Premium_LRS"}])"));
}

TEST(TargetRegionsTest, NonNumericCountIsAUsageError) {
  Result<json> r = ParseTargetRegions({"eastus=x"});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsUsageError(r.status()));
  EXPECT_THAT(r.status().message(), HasSubstr("invalid replica count 'x' in 'eastus=x'"));
}

TEST(TargetRegionsTest, CountMustBePositiveAndFitInt32) {
  for (const char* bad : {"eastus=0", "eastus=-1", "eastus=2147483648", "eastus=1.5", "eastus="}) {
    Result<json> r = ParseTargetRegions({bad});
    EXPECT_TRUE(!r.ok() && IsUsageError(r.status())) << bad;
  }
  EXPECT_TRUE(ParseTargetRegions({"eastus=2147483647"}).ok());
}

TEST(TargetRegionsTest, MalformedItemsAreUsageErrors) {
  for (const char* bad : {"=2", "", "eastus=1=2=3", "eastus=2=Fast_LRS", "eastus=x=Standard_LRS"}) {
    Result<json> r = ParseTargetRegions({bad});
    EXPECT_TRUE(!r.ok() && IsUsageError(r.status())) << bad;
  }
}

TEST(TagsTest, ParsesKeyValuePairs) {
  Result<json> r = ParseTags({"env=prod", "team=a=b", "flag", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, json::parse(R"({"env":"prod","team":"a=b","flag":""})"));
  EXPECT_EQ(*ParseTags({}), json::object());
}

TEST(TagsTest, EmptyKeyIsAUsageError) { EXPECT_TRUE(IsUsageError(ParseTags({"=v"}).status())); }

TEST(DateTimeTest, AcceptsDatesAndDateTimes) {
  EXPECT_TRUE(ValidateDateTime("2030-12-31", "--end-of-life-date").ok());
  EXPECT_TRUE(ValidateDateTime("2030-12-31T12:59:59Z", "--end-of-life-date").ok());
  Status s = ValidateDateTime("next year", "--end-of-life-date");
  EXPECT_TRUE(IsUsageError(s));
  EXPECT_THAT(s.message(), HasSubstr("--end-of-life-date"));
}

}  // namespace
}  // namespace gallery::cli
