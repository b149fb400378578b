#include "domain/gallery_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// 2025-01-01T00:00:00Z: the fixed "now" of every rule.
constexpr TimestampMs kNow = 1735689600000;
constexpr char kSub[] = "11111111-2222-3333-4444-555555555555";

class GalleryRulesTest : public ::testing::Test {
 protected:
  static ResourceId Id(const std::string& name) {
    return ResourceId::ForResource(kSub, "rg1", "Microsoft.Compute", {{"galleries", name}});
  }

  static GalleryInput Input(const std::string& location) {
    GalleryInput in;
    in.location = location;
    return in;
  }

  Gallery Existing() {
    GalleryInput in = Input("southcentralus");
    in.description = "old";
    in.tags = Tags{{"env", "dev"}};
    in.extra = {{"sharingProfile", {{"permissions", "Private"}}}};
    Result<Gallery> g = NewGallery(Id("gal1"), in, ctx_);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    g->meta.provisioning_state = ProvisioningState::kSucceeded;
    return *g;
  }

  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};
};

// --- create ---

TEST_F(GalleryRulesTest, CreateIsAllowedInEachOfTheFiveGalleryRegions) {
  for (const char* region :
       {"westcentralus", "eastus2", "southcentralus", "southeastasia", "westeurope"}) {
    Result<Gallery> g = NewGallery(Id("gal1"), Input(region), ctx_);
    ASSERT_TRUE(g.ok()) << region << ": " << g.status().ToString();
    EXPECT_EQ(g->meta.location, region);
  }
}

TEST_F(GalleryRulesTest, CreateInDisplayFormIsStoredAsTheShortName) {
  Result<Gallery> g = NewGallery(Id("gal1"), Input("South Central US"), ctx_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->meta.location, "southcentralus");
}

TEST_F(GalleryRulesTest, CreateInAReplicationOnlyRegionIsLocationNotAvailable) {
  Result<Gallery> g = NewGallery(Id("gal1"), Input("eastus"), ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "LocationNotAvailableForResourceType");
  EXPECT_EQ(g.status().target(), "location");
  EXPECT_THAT(g.status().message(), HasSubstr("'eastus'"));
}

TEST_F(GalleryRulesTest, CreateWithoutLocationIsMissingField) {
  Result<Gallery> g = NewGallery(Id("gal1"), GalleryInput{}, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidParameter");
  EXPECT_THAT(g.status().message(), HasSubstr("'location'"));
}

TEST_F(GalleryRulesTest, CreateWithADashInTheNameIsInvalidParameter) {
  Result<Gallery> g = NewGallery(Id("my-gallery"), Input("westeurope"), ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidParameter");
  EXPECT_THAT(g.status().message(), HasSubstr("'my-gallery'"));
}

TEST_F(GalleryRulesTest, CreateWithInvalidTagsIsRefused) {
  GalleryInput in = Input("westeurope");
  in.tags = Tags{{"a/b", "v"}};
  Result<Gallery> g = NewGallery(Id("gal1"), in, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidTagNameCharacters");
  EXPECT_THAT(g.status().message(), HasSubstr("'a/b'"));
}

TEST_F(GalleryRulesTest, CreateKeepsFieldsAndStartsCreatingAtNow) {
  GalleryInput in = Input("westeurope");
  in.description = "images";
  in.tags = Tags{{"env", "prod"}};
  in.extra = {{"softDeletePolicy", {{"isSoftDeleteEnabled", false}}}};
  Result<Gallery> g = NewGallery(Id("gal1"), in, ctx_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->description, "images");
  EXPECT_EQ(g->meta.tags, (Tags{{"env", "prod"}}));
  EXPECT_EQ(g->extra, in.extra);
  EXPECT_EQ(g->meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(g->meta.created_at, kNow);
  EXPECT_EQ(g->meta.updated_at, kNow);
}

TEST_F(GalleryRulesTest, UniqueNameIsSubscriptionDashUpperCasedGalleryName) {
  Result<Gallery> g = NewGallery(Id("My_Gallery.1"), Input("westeurope"), ctx_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->unique_name, std::string(kSub) + "-MY_GALLERY.1");
}

// --- update ---

TEST_F(GalleryRulesTest, UpdateChangesDescriptionAndTags) {
  GalleryInput in;
  in.description = "new";
  in.tags = Tags{{"env", "prod"}};
  for (UpdateMode mode : {UpdateMode::kReplace, UpdateMode::kMerge}) {
    Result<Gallery> g = UpdateGallery(Existing(), in, mode, ctx_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ(g->description, "new");
    EXPECT_EQ(g->meta.tags, (Tags{{"env", "prod"}}));
    EXPECT_EQ(g->meta.provisioning_state, ProvisioningState::kUpdating);
    EXPECT_EQ(g->meta.updated_at, kNow);
  }
}

TEST_F(GalleryRulesTest, PatchWithoutDescriptionOrTagsKeepsThem) {
  Result<Gallery> g = UpdateGallery(Existing(), GalleryInput{}, UpdateMode::kMerge, ctx_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->description, "old");
  EXPECT_EQ(g->meta.tags, (Tags{{"env", "dev"}}));
}

TEST_F(GalleryRulesTest, PutWithoutDescriptionOrTagsClearsThem) {
  Result<Gallery> g =
      UpdateGallery(Existing(), Input("southcentralus"), UpdateMode::kReplace, ctx_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->description, "");
  EXPECT_TRUE(g->meta.tags.empty());
}

TEST_F(GalleryRulesTest, UpdateKeepsUniqueNameAndExtras) {
  Gallery current = Existing();
  Result<Gallery> g = UpdateGallery(current, GalleryInput{}, UpdateMode::kReplace, ctx_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->unique_name, current.unique_name);
  EXPECT_EQ(g->extra, current.extra);
}

TEST_F(GalleryRulesTest, ChangedSharingProfileIsPropertyChangeNotAllowed) {
  GalleryInput in;
  in.extra = {{"sharingProfile", {{"permissions", "Groups"}}}};
  Result<Gallery> g = UpdateGallery(Existing(), in, UpdateMode::kReplace, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "PropertyChangeNotAllowed");
  EXPECT_EQ(g.status().message(),
            "Changing property 'gallery.properties.sharingProfile' is not allowed.");
}

TEST_F(GalleryRulesTest, IdenticalExtrasAreAllowed) {
  GalleryInput in;
  in.extra = {{"sharingProfile", {{"permissions", "Private"}}}};
  EXPECT_TRUE(UpdateGallery(Existing(), in, UpdateMode::kReplace, ctx_).ok());
}

TEST_F(GalleryRulesTest, DifferentLocationIsAlreadyExistsInvalidResourceLocation) {
  Result<Gallery> g = UpdateGallery(Existing(), Input("westeurope"), UpdateMode::kReplace, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(g.status().reason(), "InvalidResourceLocation");
  EXPECT_THAT(g.status().message(), HasSubstr("'southcentralus'"));
  EXPECT_THAT(g.status().message(), HasSubstr("'westeurope'"));
}

TEST_F(GalleryRulesTest, DisplayNameOfTheSameLocationIsAllowed) {
  EXPECT_TRUE(
      UpdateGallery(Existing(), Input("South Central US"), UpdateMode::kReplace, ctx_).ok());
}

TEST_F(GalleryRulesTest, UpdateWithInvalidTagsIsRefused) {
  GalleryInput in;
  in.tags = Tags{{"env", std::string(257, 'v')}};
  Result<Gallery> g = UpdateGallery(Existing(), in, UpdateMode::kMerge, ctx_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().reason(), "InvalidTagValueLength");
}

}  // namespace
}  // namespace gallery::domain
