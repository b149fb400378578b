#include "domain/resource_group_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// 2025-01-01T00:00:00Z: the fixed "now" of every rule.
constexpr TimestampMs kNow = 1735689600000;

class ResourceGroupRulesTest : public ::testing::Test {
 protected:
  static ResourceId Id(const std::string& name) {
    return ResourceId::ForResourceGroup("sub1", name);
  }

  static ResourceGroupInput Input(const std::string& location, Tags tags = {}) {
    return ResourceGroupInput{location, std::move(tags)};
  }

  ResourceGroup Existing() {
    Result<ResourceGroup> g = NewResourceGroup(Id("rg1"), Input("eastus", {{"env", "dev"}}), ctx_);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return *g;
  }

  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};
};

TEST_F(ResourceGroupRulesTest, NewGroupIsSucceededAtOnceInItsShortLocation) {
  Result<ResourceGroup> g = NewResourceGroup(Id("rg-(1)"), Input("East US", {{"a", "b"}}), ctx_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->meta.location, "eastus");
  EXPECT_EQ(g->meta.tags, (Tags{{"a", "b"}}));
  EXPECT_EQ(g->meta.provisioning_state, ProvisioningState::kSucceeded);
  EXPECT_EQ(g->meta.created_at, kNow);
}

TEST_F(ResourceGroupRulesTest, GroupMayBeInAGalleryOnlyRegion) {
  EXPECT_TRUE(NewResourceGroup(Id("rg1"), Input("westcentralus"), ctx_).ok());
}

TEST_F(ResourceGroupRulesTest, NameEndingWithPeriodIsInvalidResourceGroup) {
  Result<ResourceGroup> g = NewResourceGroup(Id("rg."), Input("eastus"), ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidResourceGroup");
  EXPECT_THAT(g.status().message(), HasSubstr("'rg.'"));
}

TEST_F(ResourceGroupRulesTest, MissingLocationIsInvalidParameter) {
  Result<ResourceGroup> g = NewResourceGroup(Id("rg1"), ResourceGroupInput{}, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidParameter");
  EXPECT_THAT(g.status().message(), HasSubstr("'location'"));
}

TEST_F(ResourceGroupRulesTest, UnknownLocationIsLocationNotAvailable) {
  Result<ResourceGroup> g = NewResourceGroup(Id("rg1"), Input("usgovvirginia"), ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "LocationNotAvailableForResourceType");
  EXPECT_THAT(g.status().message(), HasSubstr("'usgovvirginia'"));
}

TEST_F(ResourceGroupRulesTest, InvalidTagsAreRefused) {
  Result<ResourceGroup> g = NewResourceGroup(Id("rg1"), Input("eastus", {{"a%b", "v"}}), ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidTagNameCharacters");
}

TEST_F(ResourceGroupRulesTest, PutReplacesTags) {
  Result<ResourceGroup> g = UpdateResourceGroup(Existing(), Input("eastus", {{"x", "y"}}), UpdateMode::kReplace, ctx_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->meta.tags, (Tags{{"x", "y"}}));
  EXPECT_EQ(g->meta.updated_at, kNow);
  Result<ResourceGroup> cleared = UpdateResourceGroup(Existing(), ResourceGroupInput{}, UpdateMode::kReplace, ctx_);
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->meta.tags.empty());
}

TEST_F(ResourceGroupRulesTest, PatchKeepsTagsItDoesNotName) {
  ResourceGroup current = Existing();
  current.meta.tags = {{"team", "images"}};
  Result<ResourceGroup> g = UpdateResourceGroup(current, ResourceGroupInput{}, UpdateMode::kMerge, ctx_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->meta.tags, (Tags{{"team", "images"}}));
}

TEST_F(ResourceGroupRulesTest, SameLocationInDisplayFormIsAllowed) {
  EXPECT_TRUE(UpdateResourceGroup(Existing(), Input("East US"), UpdateMode::kReplace, ctx_).ok());
}

TEST_F(ResourceGroupRulesTest, DifferentLocationIsAlreadyExistsInvalidResourceGroupLocation) {
  Result<ResourceGroup> g = UpdateResourceGroup(Existing(), Input("westus"), UpdateMode::kReplace, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(g.status().reason(), "InvalidResourceGroupLocation");
  EXPECT_EQ(g.status().target(), "location");
  EXPECT_THAT(g.status().message(), HasSubstr("'westus'"));
  EXPECT_THAT(g.status().message(), HasSubstr("'eastus'"));
}

TEST_F(ResourceGroupRulesTest, UpdatedInvalidTagsAreRefused) {
  Tags tags;
  for (int i = 0; i <= limits_.max_tags; ++i) {
    tags["k" + std::to_string(i)] = "v";
  }
  Result<ResourceGroup> g = UpdateResourceGroup(Existing(), Input("eastus", tags), UpdateMode::kReplace, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidTagCount");
}

}  // namespace
}  // namespace gallery::domain
