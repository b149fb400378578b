#include "common/resource_id.h"

#include <gtest/gtest.h>

namespace gallery {
namespace {

constexpr char kVersionId[] =
    "/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/galleries/Gal/images/Def/"
    "versions/1.0.0";

TEST(ResourceIdTest, ParsesNestedProviderResource) {
  Result<ResourceId> id = ResourceId::Parse(kVersionId);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->subscription(), "S1");
  EXPECT_EQ(id->resource_group(), "RG");
  EXPECT_EQ(id->provider(), "Microsoft.Compute");
  EXPECT_EQ(id->Type(), "Microsoft.Compute/galleries/images/versions");
  EXPECT_EQ(id->Name(), "1.0.0");
  EXPECT_EQ(id->ToString(), kVersionId);
}

TEST(ResourceIdTest, FixedSegmentsAreCaseInsensitive) {
  Result<ResourceId> id = ResourceId::Parse("/SUBSCRIPTIONS/s1/resourcegroups/rg");
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->IsResourceGroup());
  EXPECT_EQ(id->ToString(), "/subscriptions/s1/resourceGroups/rg");
}

TEST(ResourceIdTest, KeysIgnoreCase) {
  auto a = ResourceId::Parse(kVersionId);
  auto b = ResourceId::Parse(ToLower(kVersionId));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->Key(), b->Key());
  EXPECT_TRUE(*a == *b);
}

TEST(ResourceIdTest, ParentWalksUpToSubscription) {
  auto v = ResourceId::Parse(kVersionId);
  ASSERT_TRUE(v.ok());
  ResourceId def = v->Parent();
  EXPECT_EQ(def.Type(), "Microsoft.Compute/galleries/images");
  ResourceId gal = def.Parent();
  EXPECT_EQ(gal.Name(), "Gal");
  ResourceId rg = gal.Parent();
  EXPECT_TRUE(rg.IsResourceGroup());
  ResourceId sub = rg.Parent();
  EXPECT_TRUE(sub.IsSubscription());
  EXPECT_EQ(sub.Parent().ToString(), "/subscriptions/S1");
}

TEST(ResourceIdTest, ContainsIsTheScopeRule) {
  auto v = ResourceId::Parse(kVersionId);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->Parent().Parent().Contains(*v));
  EXPECT_TRUE(v->Contains(*v));
  EXPECT_FALSE(v->Contains(v->Parent()));
  // A sibling whose name starts with the same letters is not contained.
  auto other = ResourceId::Parse("/subscriptions/S1/resourceGroups/RG2");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(ResourceId::ForResourceGroup("S1", "RG").Contains(*other));
}

TEST(ResourceIdTest, RejectsMalformedIds) {
  for (const char* bad : {"", "subscriptions/s", "/subscriptions", "/subscriptions//resourceGroups",
                          "/subscriptions/s/foo/x", "/subscriptions/s/resourceGroups/rg/providers",
                          "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries"}) {
    Result<ResourceId> id = ResourceId::Parse(bad);
    EXPECT_FALSE(id.ok()) << bad;
    if (!id.ok()) {
      EXPECT_EQ(id.status().reason(), "InvalidResourceId") << bad;
    }
  }
}

}  // namespace
}  // namespace gallery
