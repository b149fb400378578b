#include "domain/activity_action.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

ActivityAction For(const std::string& method, const std::string& path) {
  return ActivityActionFor(method, PathSegments(path));
}

constexpr char kGallery[] =
    "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1";

TEST(ActivityActionTest, WritesAndRefusalsLeaveEventsAnsweredReadsDoNot) {
  for (const char* write : {"PUT", "PATCH", "DELETE", "POST"}) {
    EXPECT_TRUE(LeavesActivityEvent(write, 200)) << write;
    EXPECT_TRUE(LeavesActivityEvent(write, 400)) << write;
  }
  for (const char* read : {"GET", "HEAD", "OPTIONS"}) {
    EXPECT_FALSE(LeavesActivityEvent(read, 200)) << read;
    EXPECT_FALSE(LeavesActivityEvent(read, 404)) << read;
    EXPECT_TRUE(LeavesActivityEvent(read, 401)) << read;
    EXPECT_TRUE(LeavesActivityEvent(read, 403)) << read;
  }
}

TEST(ActivityActionTest, ResourceWritesAndDeletesNameTheArmTypeAndTheResource) {
  ActivityAction put = For("PUT", kGallery);
  EXPECT_EQ(put.action, "Microsoft.Compute/galleries/write");
  EXPECT_EQ(put.scope, kGallery);
  EXPECT_EQ(put.subscription, "s1");
  EXPECT_EQ(put.resource_group, "rg1");
  EXPECT_EQ(For("PATCH", kGallery).action, "Microsoft.Compute/galleries/write");
  EXPECT_EQ(For("DELETE", std::string(kGallery) + "/images/d1/versions/1.0.0").action,
            "Microsoft.Compute/galleries/images/versions/delete");
  EXPECT_EQ(For("GET", kGallery).action, "Microsoft.Compute/galleries/read");
}

TEST(ActivityActionTest, SubscriptionsAndGroupsAreMicrosoftResources) {
  ActivityAction group = For("PUT", "/subscriptions/s1/resourceGroups/rg1");
  EXPECT_EQ(group.action, "Microsoft.Resources/subscriptions/resourceGroups/write");
  EXPECT_EQ(group.scope, "/subscriptions/s1/resourceGroups/rg1");
  EXPECT_EQ(For("GET", "/subscriptions/s1").action, "Microsoft.Resources/subscriptions/read");
  EXPECT_EQ(For("GET", "/subscriptions").action, "Microsoft.Resources/subscriptions/read");
  EXPECT_EQ(For("GET", "/subscriptions").scope, "/");
}

TEST(ActivityActionTest, PostToATrailingSegmentIsAnActionOnTheResourceBeforeIt) {
  ActivityAction move = For("POST", "/subscriptions/s1/resourceGroups/rg1/moveResources");
  EXPECT_EQ(move.action, "Microsoft.Resources/subscriptions/resourceGroups/moveResources/action");
  EXPECT_EQ(move.scope, "/subscriptions/s1/resourceGroups/rg1");
  ActivityAction reg = For("POST", "/subscriptions/s1/providers/Microsoft.Compute/register");
  EXPECT_EQ(reg.action, "Microsoft.Compute/register/action");
  EXPECT_EQ(reg.scope, "/subscriptions/s1/providers/Microsoft.Compute");
}

TEST(ActivityActionTest, ProvidersRightAfterANamespaceIsAType) {
  ActivityAction feature =
      For("POST",
          "/subscriptions/s1/providers/Microsoft.Features/providers/Microsoft.Compute/features/"
          "GalleryPreview/register");
  EXPECT_EQ(feature.action, "Microsoft.Features/providers/features/register/action");
  EXPECT_EQ(feature.scope,
            "/subscriptions/s1/providers/Microsoft.Features/providers/Microsoft.Compute/features/"
            "GalleryPreview");
}

TEST(ActivityActionTest, ExtensionResourcesTakeTheirOwnNamespace) {
  const std::string assignment =
      std::string(kGallery) + "/providers/Microsoft.Authorization/roleAssignments/a1";
  ActivityAction put = For("PUT", assignment);
  EXPECT_EQ(put.action, "Microsoft.Authorization/roleAssignments/write");
  EXPECT_EQ(put.scope, assignment);
  EXPECT_EQ(put.resource_group, "rg1");
  EXPECT_EQ(
      For("DELETE", "/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/a").action,
      "Microsoft.Authorization/roleAssignments/delete");
}

TEST(ActivityActionTest, CollectionsReadAsTheirType) {
  EXPECT_EQ(For("GET", std::string(kGallery) + "/images").action,
            "Microsoft.Compute/galleries/images/read");
  EXPECT_EQ(For("GET", "/subscriptions/s1/providers/Microsoft.Compute/galleries").action,
            "Microsoft.Compute/galleries/read");
}

TEST(ActivityActionTest, PathSegmentsSkipEmptyOnes) {
  EXPECT_EQ(PathSegments("/a//b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(PathSegments("/").empty());
}

TEST(ActivityActionTest, OperationsNameWriteOrDeleteOfTheirResource) {
  Operation op;
  op.resource_id = ResourceId::ForResource("s1", "rg1", "Microsoft.Compute", {{"galleries", "g"}});
  op.kind = OperationKind::kCreate;
  EXPECT_EQ(ActivityActionFor(op), "Microsoft.Compute/galleries/write");
  op.kind = OperationKind::kUpdate;
  EXPECT_EQ(ActivityActionFor(op), "Microsoft.Compute/galleries/write");
  op.kind = OperationKind::kDelete;
  EXPECT_EQ(ActivityActionFor(op), "Microsoft.Compute/galleries/delete");
  op.resource_id = ResourceId::ForResourceGroup("s1", "rg1");
  EXPECT_EQ(ActivityActionFor(op), "Microsoft.Resources/subscriptions/resourceGroups/delete");
}

}  // namespace
}  // namespace gallery::domain
