// GET .../images/{i}/versions/latest[?location=R] against the real galleryd: which version
// "latest" means (numeric order, exclusions, per-region exclusion, replication targets).

#include "arm_test_fixture.h"

namespace gallery::testing {
namespace {

class LatestTest : public ArmFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    ASSERT_NO_FATAL_FAILURE(CreateBasics());
  }
  std::string LatestUrl(const std::string& location = "") const {
    std::string url = DefPath("def1") + "/versions/latest?api-version=" + kVersionApi;
    if (!location.empty()) {
      url += "&location=" + location;
    }
    return url;
  }
  // The name "latest" resolves to (status 200), or "" with the 404 NoLatestVersion checked.
  std::string Latest(const std::string& location = "") {
    HttpResult r = Call("GET", LatestUrl(location));
    if (r.status == 200) {
      return Body(r)["name"].get<std::string>();
    }
    ExpectError(r, 404, "NoLatestVersion", {"def1"});
    return "";
  }
  // A version in southcentralus replicated to `regions` (first = southcentralus).
  json Targets(std::initializer_list<json> targets, bool exclude = false) const {
    json list = json::array();
    for (const json& t : targets) {
      list.push_back(t);
    }
    json body = VersionBody("img1", kSouthCentral, list);
    body["properties"]["publishingProfile"]["excludeFromLatest"] = exclude;
    return body;
  }
  static json T(const std::string& name) { return {{"name", name}}; }
  static json T(const std::string& name, bool exclude) {
    return {{"name", name}, {"excludeFromLatest", exclude}};
  }
};

TEST_F(LatestTest, NoVersionIs404NoLatestVersion) {
  EXPECT_EQ(Latest(), "");
  EXPECT_EQ(Latest("eastus"), "");
  // A definition that does not exist is a plain 404.
  HttpResult missing = Call("GET", Q(DefPath("nodef") + "/versions/latest", kVersionApi));
  ExpectError(missing, 404, "ResourceNotFound", {"nodef"});
}

TEST_F(LatestTest, HighestVersionInNumericOrderWins) {
  for (const std::string v : {"1.2.0", "1.10.0", "1.9.0", "0.99.99"}) {
    CreateVersion(v, Targets({T(kSouthCentral)}));
  }
  EXPECT_EQ(Latest(), "1.10.0");
  HttpResult r = Call("GET", LatestUrl());
  json v = Body(r);
  EXPECT_EQ(v["id"], VerPath("1.10.0"));
  EXPECT_EQ(v["type"], "Microsoft.Compute/galleries/images/versions");
  EXPECT_EQ(v["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
  CreateVersion("2.0.0", Targets({T(kSouthCentral)}));
  EXPECT_EQ(Latest(), "2.0.0");
  CreateVersion("10.0.0", Targets({T(kSouthCentral)}));
  EXPECT_EQ(Latest(), "10.0.0");
}

TEST_F(LatestTest, ExcludedVersionsAreSkipped) {
  CreateVersion("1.0.0", Targets({T(kSouthCentral)}));
  CreateVersion("2.0.0", Targets({T(kSouthCentral)}, /*exclude=*/true));
  EXPECT_EQ(Latest(), "1.0.0");
  EXPECT_EQ(Latest(kSouthCentral), "1.0.0");
  CreateVersion("3.0.0", Targets({T(kSouthCentral)}, true));
  EXPECT_EQ(Latest(), "1.0.0");
  // When every version is excluded there is none.
  ASSERT_EQ(Call("PATCH", Q(VerPath("1.0.0"), kVersionApi),
                 {{"properties", {{"publishingProfile", {{"excludeFromLatest", true}}}}}})
                .status,
            200);
  WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  EXPECT_EQ(Latest(), "");
}

TEST_F(LatestTest, PerRegionExcludeFromLatestIsHonouredWithLocation) {
  CreateVersion("1.0.0", Targets({T(kSouthCentral), T("eastus")}));
  CreateVersion("2.0.0", Targets({T(kSouthCentral), T("eastus", true)}));
  EXPECT_EQ(Latest(), "2.0.0");                 // no region: the version-wide flag only
  EXPECT_EQ(Latest(kSouthCentral), "2.0.0");
  EXPECT_EQ(Latest("eastus"), "1.0.0");         // 2.0.0 is excluded in East US
  EXPECT_EQ(Latest("East%20US"), "1.0.0");      // display name of the same region
  // A per-region false overrides a version-wide true in that region.
  CreateVersion("3.0.0", Targets({T(kSouthCentral), T("westus", false)}, /*exclude=*/true));
  EXPECT_EQ(Latest(), "2.0.0");
  EXPECT_EQ(Latest("westus"), "3.0.0");
  EXPECT_EQ(Latest(kSouthCentral), "2.0.0");
}

TEST_F(LatestTest, VersionNotTargetingTheRegionIsSkippedThere) {
  CreateVersion("1.0.0", Targets({T(kSouthCentral), T("westus2")}));
  CreateVersion("2.0.0", Targets({T(kSouthCentral)}));
  EXPECT_EQ(Latest("westus2"), "1.0.0");
  EXPECT_EQ(Latest(kSouthCentral), "2.0.0");
  EXPECT_EQ(Latest("northeurope"), "");
  // A region outside the catalog is an invalid location, not "no version".
  ExpectError(Call("GET", LatestUrl("chinaeast2")), 400, "LocationNotAvailableForResourceType",
              {"chinaeast2"});
}

TEST_F(LatestTest, ChangingExcludeFromLatestByPatchChangesTheAnswer) {
  CreateVersion("1.0.0", Targets({T(kSouthCentral), T("eastus")}));
  CreateVersion("1.1.0", Targets({T(kSouthCentral), T("eastus")}));
  EXPECT_EQ(Latest(), "1.1.0");
  ASSERT_EQ(Call("PATCH", Q(VerPath("1.1.0"), kVersionApi),
                 {{"properties", {{"publishingProfile", {{"excludeFromLatest", true}}}}}})
                .status,
            200);
  WaitSucceeded(VerPath("1.1.0"), kVersionApi);
  EXPECT_EQ(Latest(), "1.0.0");
  ASSERT_EQ(Call("PATCH", Q(VerPath("1.1.0"), kVersionApi),
                 {{"properties", {{"publishingProfile", {{"excludeFromLatest", false}}}}}})
                .status,
            200);
  WaitSucceeded(VerPath("1.1.0"), kVersionApi);
  EXPECT_EQ(Latest(), "1.1.0");
  // Per region, through the target list.
  ASSERT_EQ(Call("PATCH", Q(VerPath("1.1.0"), kVersionApi),
                 {{"properties",
                   {{"publishingProfile",
                     {{"targetRegions", json::array({T(kSouthCentral), T("eastus", true)})}}}}}})
                .status,
            200);
  WaitSucceeded(VerPath("1.1.0"), kVersionApi);
  EXPECT_EQ(Latest("eastus"), "1.0.0");
  EXPECT_EQ(Latest(kSouthCentral), "1.1.0");
}

TEST_F(LatestTest, VersionStillReplicatingIsNotLatest) {
  server_->Stop();
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"operations": {"minDurationMs": 1500}})"));
  CreateVersion("1.0.0", Targets({T(kSouthCentral)}));
  ASSERT_EQ(Call("PUT", Q(VerPath("2.0.0"), kVersionApi), Targets({T(kSouthCentral)})).status, 201);
  EXPECT_EQ(Latest(), "1.0.0");
  EXPECT_EQ(Latest(kSouthCentral), "1.0.0");
  WaitSucceeded(VerPath("2.0.0"), kVersionApi);
  EXPECT_EQ(Latest(), "2.0.0");
}

}  // namespace
}  // namespace gallery::testing
