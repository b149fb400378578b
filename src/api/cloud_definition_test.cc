#include "api/cloud_definition.h"

#include <gtest/gtest.h>

namespace gallery::api {
namespace {

TEST(CloudDefinitionTest, AdfsAuthorityGraphAtTheEndpointAndLatestProfile) {
  nlohmann::json cloud =
      AzureCloudDefinition({"https://127.0.0.1:8443", "https://management.gallery.local/"});
  EXPECT_EQ(cloud["profile"], "latest");
  const nlohmann::json& e = cloud["endpoints"];
  EXPECT_EQ(e["resourceManager"], "https://127.0.0.1:8443/");
  EXPECT_EQ(e["activeDirectory"], "https://127.0.0.1:8443/adfs");
  EXPECT_EQ(e["activeDirectoryResourceId"], "https://management.gallery.local/");
  EXPECT_EQ(e["microsoftGraphResourceId"], "https://127.0.0.1:8443/");
  EXPECT_TRUE(e["activeDirectoryGraphResourceId"].is_string());
  EXPECT_TRUE(cloud["suffixes"].is_object());
}

TEST(CloudDefinitionTest, MetadataEndpointsHaveTheLoginEndpointAndAudience) {
  nlohmann::json m = MetadataEndpoints({"https://h:1//", "https://arm/"});
  EXPECT_EQ(m["authentication"]["loginEndpoint"], "https://h:1/adfs");
  EXPECT_EQ(m["authentication"]["audiences"], nlohmann::json::array({"https://arm/"}));
  EXPECT_EQ(m["microsoftGraphResourceId"], "https://h:1/");
  EXPECT_EQ(m["resourceManager"], "https://h:1/");
}

TEST(CloudDefinitionTest, TrailingSlashIsExactlyOne) {
  EXPECT_EQ(WithTrailingSlash("https://h"), "https://h/");
  EXPECT_EQ(WithTrailingSlash("https://h///"), "https://h/");
}

}  // namespace
}  // namespace gallery::api
