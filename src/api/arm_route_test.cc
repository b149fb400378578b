#include "api/arm_route.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gallery::api {
namespace {

using ::testing::HasSubstr;

constexpr char kSub[] = "11111111-2222-3333-4444-555555555555";
const std::string kGroup = std::string("/subscriptions/") + kSub + "/resourceGroups/MyRg";
const std::string kCompute = kGroup + "/providers/Microsoft.Compute";

// Segments of a path as ParseTarget produces them (no empty ones).
std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    if (slash > pos) {
      out.push_back(path.substr(pos, slash - pos));
    }
    pos = slash + 1;
  }
  return out;
}

ArmRoute Match(const std::string& path) {
  Result<ArmRoute> r = MatchRoute(Split(path));
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : ArmRoute{};
}

void ExpectNoRoute(const std::string& path) {
  Result<ArmRoute> r = MatchRoute(Split(path));
  ASSERT_FALSE(r.ok()) << path << " matched";
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << path;
  EXPECT_EQ(r.status().reason(), "InvalidResourceType") << path;
}

// --- subscriptions and resource groups ---

TEST(ArmRouteTest, TenantsIsTheTenantList) {
  EXPECT_EQ(Match("/tenants").kind, RouteKind::kTenants);
  EXPECT_EQ(Match("/TENANTS").kind, RouteKind::kTenants);
}

TEST(ArmRouteTest, SubscriptionsIsTheSubscriptionList) {
  EXPECT_EQ(Match("/subscriptions").kind, RouteKind::kSubscriptions);
}

TEST(ArmRouteTest, SubscriptionIdIsTheSubscription) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub);
  EXPECT_EQ(r.kind, RouteKind::kSubscription);
  EXPECT_EQ(r.id.ToString(), std::string("/subscriptions/") + kSub);
  EXPECT_TRUE(r.id.IsSubscription());
}

TEST(ArmRouteTest, LocationsListsTheSubscriptionsRegions) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub + "/Locations");
  EXPECT_EQ(r.kind, RouteKind::kLocations);
  EXPECT_EQ(r.id.ToString(), std::string("/subscriptions/") + kSub);
}

TEST(ArmRouteTest, LowerCaseResourcegroupsIsTheGroupList) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub + "/resourcegroups");
  EXPECT_EQ(r.kind, RouteKind::kResourceGroups);
  EXPECT_EQ(r.id.ToString(), std::string("/subscriptions/") + kSub);
}

TEST(ArmRouteTest, ResourceGroupIdIsCanonicalWithTheNameAsGiven) {
  ArmRoute r = Match(std::string("/SUBSCRIPTIONS/") + kSub + "/resourcegroups/MyRg");
  EXPECT_EQ(r.kind, RouteKind::kResourceGroup);
  EXPECT_EQ(r.id.ToString(), kGroup);
}

TEST(ArmRouteTest, MoveResourcesIsAMoveThatIsNotValidateOnly) {
  ArmRoute r = Match(kGroup + "/moveResources");
  EXPECT_EQ(r.kind, RouteKind::kMoveResources);
  EXPECT_FALSE(r.validate_only);
  EXPECT_EQ(r.id.ToString(), kGroup);
}

TEST(ArmRouteTest, ValidateMoveResourcesInAnyCaseIsAValidateOnlyMove) {
  ArmRoute r =
      Match(std::string("/subscriptions/") + kSub + "/resourcegroups/MyRg/VALIDATEMOVERESOURCES");
  EXPECT_EQ(r.kind, RouteKind::kMoveResources);
  EXPECT_TRUE(r.validate_only);
}

// --- subscription-level Microsoft.Compute ---

TEST(ArmRouteTest, UpperCaseProvidersNamespaceListsGalleriesInTheSubscription) {
  ArmRoute r =
      Match(std::string("/subscriptions/") + kSub + "/PROVIDERS/MICROSOFT.COMPUTE/galleries");
  EXPECT_EQ(r.kind, RouteKind::kGalleriesInSubscription);
  EXPECT_EQ(r.id.ToString(), std::string("/subscriptions/") + kSub);
}

TEST(ArmRouteTest, SubscriptionImagesListsManagedImagesInTheSubscription) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub + "/providers/Microsoft.Compute/images");
  EXPECT_EQ(r.kind, RouteKind::kImagesInSubscription);
  EXPECT_EQ(r.id.ToString(), std::string("/subscriptions/") + kSub);
}

TEST(ArmRouteTest, UsagesCarriesTheLocation) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/providers/microsoft.compute/locations/southcentralus/usages");
  EXPECT_EQ(r.kind, RouteKind::kUsages);
  EXPECT_EQ(r.location, "southcentralus");
}

TEST(ArmRouteTest, CapsOperationsIsTheOperationStatusWithLocationAndId) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/providers/Microsoft.Compute/locations/eastus2/capsOperations/op-1");
  EXPECT_EQ(r.kind, RouteKind::kOperationStatus);
  EXPECT_EQ(r.location, "eastus2");
  EXPECT_EQ(r.operation_id, "op-1");
  EXPECT_EQ(r.id.ToString(), std::string("/subscriptions/") + kSub);
}

TEST(ArmRouteTest, OperationsIsAlsoTheOperationStatus) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/providers/Microsoft.Compute/locations/eastus2/OPERATIONS/op-2");
  EXPECT_EQ(r.kind, RouteKind::kOperationStatus);
  EXPECT_EQ(r.operation_id, "op-2");
}

TEST(ArmRouteTest, OperationResultsIsTheOperationResultWithLocationAndId) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/providers/Microsoft.Compute/locations/westeurope/operationresults/op-3");
  EXPECT_EQ(r.kind, RouteKind::kOperationResult);
  EXPECT_EQ(r.location, "westeurope");
  EXPECT_EQ(r.operation_id, "op-3");
}

// --- galleries, definitions, versions ---

TEST(ArmRouteTest, GalleriesInAGroupAreNamedByTheGroup) {
  ArmRoute r = Match(kCompute + "/galleries");
  EXPECT_EQ(r.kind, RouteKind::kGalleries);
  EXPECT_EQ(r.id.ToString(), kGroup);
}

TEST(ArmRouteTest, GalleryIdIsCanonicalWithNamesAsGiven) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/resourcegroups/MyRg/PROVIDERS/MICROSOFT.COMPUTE/GALLERIES/MyGallery");
  EXPECT_EQ(r.kind, RouteKind::kGallery);
  EXPECT_EQ(r.id.ToString(), kCompute + "/galleries/MyGallery");
}

TEST(ArmRouteTest, GalleryImagesAreNamedByTheGallery) {
  ArmRoute r = Match(kCompute + "/galleries/g1/IMAGES");
  EXPECT_EQ(r.kind, RouteKind::kGalleryImages);
  EXPECT_EQ(r.id.ToString(), kCompute + "/galleries/g1");
}

TEST(ArmRouteTest, GalleryImageIdIsCanonical) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/resourcegroups/MyRg/providers/microsoft.compute/galleries/g1/Images/Def1");
  EXPECT_EQ(r.kind, RouteKind::kGalleryImage);
  EXPECT_EQ(r.id.ToString(), kCompute + "/galleries/g1/images/Def1");
}

TEST(ArmRouteTest, GalleryImageVersionsAreNamedByTheDefinition) {
  ArmRoute r = Match(kCompute + "/galleries/g1/images/Def1/Versions");
  EXPECT_EQ(r.kind, RouteKind::kGalleryImageVersions);
  EXPECT_EQ(r.id.ToString(), kCompute + "/galleries/g1/images/Def1");
}

TEST(ArmRouteTest, GalleryImageVersionIdIsCanonical) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/resourcegroups/MyRg/PROVIDERS/MICROSOFT.COMPUTE/galleries/g1/images/Def1/"
                     "VERSIONS/1.0.0");
  EXPECT_EQ(r.kind, RouteKind::kGalleryImageVersion);
  EXPECT_EQ(r.id.ToString(), kCompute + "/galleries/g1/images/Def1/versions/1.0.0");
  EXPECT_EQ(r.id.Type(), "Microsoft.Compute/galleries/images/versions");
}

TEST(ArmRouteTest, VersionsLatestIsTheLatestVersionNamedByTheDefinition) {
  ArmRoute r = Match(kCompute + "/galleries/g1/images/Def1/versions/latest");
  EXPECT_EQ(r.kind, RouteKind::kLatestVersion);
  EXPECT_EQ(r.id.ToString(), kCompute + "/galleries/g1/images/Def1");
}

TEST(ArmRouteTest, VersionsLatestMatchesInAnyCase) {
  EXPECT_EQ(Match(kCompute + "/galleries/g1/images/Def1/versions/LATEST").kind,
            RouteKind::kLatestVersion);
}

// --- managed images and other compute types ---

TEST(ArmRouteTest, ManagedImagesInAGroupAreNamedByTheGroup) {
  ArmRoute r = Match(kCompute + "/images");
  EXPECT_EQ(r.kind, RouteKind::kManagedImages);
  EXPECT_EQ(r.id.ToString(), kGroup);
}

TEST(ArmRouteTest, ManagedImageIdIsCanonical) {
  ArmRoute r = Match(std::string("/subscriptions/") + kSub +
                     "/resourcegroups/MyRg/providers/Microsoft.Compute/IMAGES/Base-Image");
  EXPECT_EQ(r.kind, RouteKind::kManagedImage);
  EXPECT_EQ(r.id.ToString(), kCompute + "/images/Base-Image");
}

TEST(ArmRouteTest, DiskRoutesNameTheDiskOrItsGroup) {
  ArmRoute disk = Match(kCompute + "/DISKS/Disk-1");
  EXPECT_EQ(disk.kind, RouteKind::kDisk);
  EXPECT_EQ(disk.id.ToString(), kCompute + "/disks/Disk-1");
  EXPECT_EQ(Match(kCompute + "/disks").kind, RouteKind::kDisks);
  EXPECT_EQ(Match(kCompute + "/disks").id.ToString(), kGroup);
  ArmRoute begin = Match(kCompute + "/disks/d1/beginGetAccess");
  EXPECT_EQ(begin.kind, RouteKind::kDiskBeginGetAccess);
  EXPECT_EQ(begin.id.ToString(), kCompute + "/disks/d1");
  EXPECT_EQ(Match(kCompute + "/disks/d1/endgetaccess").kind, RouteKind::kDiskEndGetAccess);
  EXPECT_EQ(Match(std::string("/subscriptions/") + kSub + "/providers/Microsoft.Compute/disks")
                .kind,
            RouteKind::kDisksInSubscription);
  ExpectNoRoute(kCompute + "/disks/d1/otherAction");
  ExpectNoRoute(kCompute + "/disks/d1/beginGetAccess/x");
}

TEST(ArmRouteTest, ImageAndVersionAccessActionsNameTheResource) {
  ArmRoute image = Match(kCompute + "/images/img1/BeginGetAccess");
  EXPECT_EQ(image.kind, RouteKind::kManagedImageBeginGetAccess);
  EXPECT_EQ(image.id.ToString(), kCompute + "/images/img1");
  EXPECT_EQ(Match(kCompute + "/images/img1/endGetAccess").kind,
            RouteKind::kManagedImageEndGetAccess);
  const std::string version = kCompute + "/galleries/g1/images/def1/versions/1.0.0";
  ArmRoute begin = Match(version + "/beginGetAccess");
  EXPECT_EQ(begin.kind, RouteKind::kGalleryImageVersionBeginGetAccess);
  EXPECT_EQ(begin.id.ToString(), version);
  EXPECT_EQ(Match(version + "/endgetaccess").kind, RouteKind::kGalleryImageVersionEndGetAccess);
  ExpectNoRoute(kCompute + "/images/img1/otherAction");
  ExpectNoRoute(kCompute + "/images/img1/beginGetAccess/x");
  ExpectNoRoute(kCompute + "/galleries/g1/images/def1/versions/latest/beginGetAccess");
  ExpectNoRoute(kCompute + "/galleries/g1/images/def1/beginGetAccess");
  ExpectNoRoute(kCompute + "/galleries/g1/images/def1/versions/1.0.0/otherAction");
}

TEST(ArmRouteTest, VirtualMachinesAndSnapshotsAreUnservedComputeResources) {
  for (const char* type : {"virtualMachines", "snapshots"}) {
    ArmRoute r = Match(kCompute + "/" + type + "/thing1");
    EXPECT_EQ(r.kind, RouteKind::kUnservedComputeResource) << type;
    EXPECT_EQ(r.id.ToString(), kCompute + "/" + type + "/thing1") << type;
  }
}

TEST(ArmRouteTest, UnservedComputeTypeComesOutWithCanonicalCasing) {
  ArmRoute r = Match(kCompute + "/VIRTUALMACHINES/vm1");
  EXPECT_EQ(r.kind, RouteKind::kUnservedComputeResource);
  EXPECT_EQ(r.id.ToString(), kCompute + "/virtualMachines/vm1");
  EXPECT_EQ(r.id.Type(), "Microsoft.Compute/virtualMachines");
}

// --- trailing slashes and trailing segments ---

TEST(ArmRouteTest, TrailingSlashIsIgnored) {
  EXPECT_EQ(Match(kCompute + "/galleries/g1/").kind, RouteKind::kGallery);
}

TEST(ArmRouteTest, ExtraSegmentAfterAVersionIsInvalidResourceType) {
  ExpectNoRoute(kCompute + "/galleries/g1/images/Def1/versions/1.0.0/extra");
  ExpectNoRoute(kCompute + "/galleries/g1/images/Def1/versions/1.0.0/extra/more");
}

TEST(ArmRouteTest, ExtraSegmentsAfterOtherResourcesAreInvalidResourceType) {
  ExpectNoRoute(kCompute + "/images/img1/extra");
  ExpectNoRoute(kCompute + "/virtualMachines/vm1/extensions");
  ExpectNoRoute(kGroup + "/moveResources/extra");
  ExpectNoRoute(std::string("/subscriptions/") + kSub +
                "/providers/Microsoft.Compute/locations/eastus2/usages/extra");
  ExpectNoRoute(std::string("/subscriptions/") + kSub +
                "/providers/Microsoft.Compute/locations/eastus2/capsOperations/op/extra");
  ExpectNoRoute(std::string("/subscriptions/") + kSub +
                "/providers/Microsoft.Compute/galleries/g1");
}

// --- unknown paths ---

TEST(ArmRouteTest, UnknownPathsAreNotFoundInvalidResourceType) {
  ExpectNoRoute("/");
  ExpectNoRoute("/tenants/x");
  ExpectNoRoute(std::string("/subscriptions/") + kSub + "/somethingElse");
  // (/subscriptions/{s}/providers[/{ns}] are the resource provider routes.)
  ExpectNoRoute(std::string("/subscriptions/") + kSub + "/providers/Microsoft.Storage/accounts");
  ExpectNoRoute(std::string("/subscriptions/") + kSub +
                "/providers/Microsoft.Compute/locations/eastus2");
  ExpectNoRoute(kGroup + "/resources");
  ExpectNoRoute(kGroup + "/providers/Microsoft.Compute");
  ExpectNoRoute(kGroup + "/providers/Microsoft.Storage/storageAccounts/sa1");
  ExpectNoRoute(kCompute + "/availabilitySets/as1");
  ExpectNoRoute(kCompute + "/virtualMachines");
  ExpectNoRoute(kCompute + "/galleries/g1/applications/app1");
  ExpectNoRoute(kCompute + "/galleries/g1/images/Def1/replicas/r1");
}

TEST(ArmRouteTest, NoRouteMessageNamesThePath) {
  Result<ArmRoute> r = MatchRoute({"subscriptions", "s1", "bogus"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/subscriptions/s1/bogus"));
}

}  // namespace
}  // namespace gallery::api
