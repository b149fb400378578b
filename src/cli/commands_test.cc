// The requests each command sends (method, path, api-version, body) and what it prints.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kRg = "/subscriptions/sub1/resourceGroups/rg1";
const std::string kCompute = kRg + "/providers/Microsoft.Compute";
const std::string kGallery = kCompute + "/galleries/gal1";
const std::string kDefinition = kGallery + "/images/def1";
const std::string kOp =
    "https://127.0.0.1:8443/subscriptions/sub1/providers/Microsoft.Compute/locations/westus/"
    "capsOperations/op1?api-version=2022-03-03";

json Resource(const std::string& id, const std::string& location = "westus") {
  return {{"id", id},
          {"name", id.substr(id.rfind('/') + 1)},
          {"location", location},
          {"properties", {{"provisioningState", "Succeeded"}}}};
}

class CommandsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SaveProfile();
  }
  // Answers the resource group GET used for location defaulting.
  void RespondGroup(const std::string& location) {
    transport_.RespondJson(200, {{"id", kRg}, {"name", "rg1"}, {"location", location}});
  }
};

// ---- resource groups ----------------------------------------------------------------------

TEST_F(CommandsTest, GroupCreatePutsLocationAndTags) {
  transport_.RespondJson(201, Resource(kRg));
  EXPECT_EQ(Run({"group", "create", "-n", "rg1", "-l", "westus", "--tags", "env=dev", "x"}), 0);
  EXPECT_THAT(transport_.Requests(), ElementsAre("PUT " + kRg + "?api-version=2021-04-01"));
  EXPECT_EQ(transport_.Body(0),
            json::parse(R"({"location":"westus","tags":{"env":"dev","x":""}})"));
  EXPECT_EQ(OutJson(), Resource(kRg));
}

TEST_F(CommandsTest, GroupListAndShow) {
  transport_.RespondJson(200, {{"value", {Resource(kRg)}}});
  EXPECT_EQ(Run({"group", "list"}), 0);
  EXPECT_EQ(OutJson(), json::array({Resource(kRg)}));
  transport_.RespondJson(200, Resource(kRg));
  EXPECT_EQ(Run({"group", "show", "-n", "rg1", "-o", "table"}), 0);
  EXPECT_EQ(out(),
            "Name  Location  ProvisioningState\n"
            "----  --------  -----------------\n"
            "rg1   westus    Succeeded\n");
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET /subscriptions/sub1/resourceGroups?api-version=2021-04-01",
                          "GET " + kRg + "?api-version=2021-04-01"));
}

TEST_F(CommandsTest, GroupDeletePollsLocationAndPrintsNothing) {
  const std::string location = "https://127.0.0.1:8443/operationResults/1?api-version=2021-04-01";
  transport_.Respond(202, "", {{"Location", location}, {"Retry-After", "4"}});
  transport_.Respond(202, "", {{"Retry-After", "4"}});
  transport_.Respond(200, "");
  EXPECT_EQ(Run({"group", "delete", "-n", "rg1", "--yes"}), 0);
  EXPECT_THAT(transport_.Requests(), ElementsAre("DELETE " + kRg + "?api-version=2021-04-01",
                                                 "GET " + location, "GET " + location));
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(seconds(4)));
  EXPECT_EQ(out(), "");
}

// ---- galleries ----------------------------------------------------------------------------

TEST_F(CommandsTest, SigCreateWithLocationSendsNoGroupGet) {
  transport_.RespondJson(201, Resource(kGallery));
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal1", "-l", "eastus"}), 0);
  EXPECT_THAT(transport_.Requests(), ElementsAre("PUT " + kGallery + "?api-version=2021-10-01"));
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"location":"eastus","tags":{}})"));
}

TEST_F(CommandsTest, SigCreateWithoutLocationUsesTheResourceGroupsLocation) {
  RespondGroup("westus2");
  transport_.RespondJson(201, Resource(kGallery, "westus2"));
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal1", "--description", "golden images",
                 "--tags", "team=infra"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kRg + "?api-version=2021-04-01",
                                                 "PUT " + kGallery + "?api-version=2021-10-01"));
  EXPECT_EQ(transport_.Body(1), json::parse(R"({"location":"westus2","tags":{"team":"infra"},
                                                "properties":{"description":"golden images"}})"));
}

TEST_F(CommandsTest, MissingResourceGroupWhenDefaultingLocationExits3) {
  transport_.RespondJson(404, {{"error",
                                {{"code", "ResourceGroupNotFound"},
                                 {"message",
                                  "Resource group 'rg1' "
                                  "could not be found."}}}});
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal1"}), 3);
  EXPECT_EQ(err(), "ERROR: (ResourceGroupNotFound) Resource group 'rg1' could not be found.\n");
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(CommandsTest, SigCreatePollsAsyncOperationAndPrintsTheFinalGet) {
  const std::string op = "https://127.0.0.1:8443/ops/1?api-version=2021-10-01";
  transport_.RespondJson(201, Resource(kGallery), {{"Azure-AsyncOperation", op}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "2"}});
  transport_.RespondJson(200, {{"status", "Succeeded"}});
  json final_gallery = Resource(kGallery);
  final_gallery["properties"]["identifier"] = {{"uniqueName", "sub1-GAL1"}};
  transport_.RespondJson(200, final_gallery);
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal1", "-l", "westus"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("PUT " + kGallery + "?api-version=2021-10-01", "GET " + op, "GET " + op,
                          "GET " + kGallery + "?api-version=2021-10-01"));
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(seconds(2)));
  EXPECT_EQ(OutJson(), final_gallery);
  EXPECT_EQ(err(), "");  // stderr is not a TTY: no spinner
}

TEST_F(CommandsTest, SpinnerIsShownOnlyWhenStderrIsATty) {
  env_.stderr_is_tty = true;
  const std::string op = "https://127.0.0.1:8443/ops/1";
  transport_.RespondJson(201, Resource(kGallery), {{"Azure-AsyncOperation", op}});
  transport_.RespondJson(200, {{"status", "InProgress"}});
  transport_.RespondJson(200, {{"status", "Succeeded"}});
  transport_.RespondJson(200, Resource(kGallery));
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal1", "-l", "westus"}), 0);
  EXPECT_THAT(err(), HasSubstr("Running..."));
  EXPECT_EQ(OutJson(), Resource(kGallery));
}

TEST_F(CommandsTest, FailedOperationPrintsCodeAndMessageAndExits1) {
  const std::string op = "https://127.0.0.1:8443/ops/1";
  transport_.RespondJson(201, Resource(kGallery), {{"Azure-AsyncOperation", op}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "1"}});
  transport_.RespondJson(200, {{"status", "Failed"},
                               {"error",
                                {{"code", "GalleryQuotaExceeded"},
                                 {"message", "Quota of 10 galleries in westus reached."}}}});
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal1", "-l", "westus"}), 1);
  EXPECT_EQ(err(), "ERROR: (GalleryQuotaExceeded) Quota of 10 galleries in westus reached.\n");
  EXPECT_EQ(out(), "");
  EXPECT_EQ(transport_.calls.size(), 3u);
}

TEST_F(CommandsTest, SigShowNotFoundExits3) {
  transport_.RespondJson(
      404, {{"error", {{"code", "ResourceNotFound"}, {"message", "The gallery was not found."}}}});
  EXPECT_EQ(Run({"sig", "show", "-g", "rg1", "-r", "gal1"}), 3);
  EXPECT_EQ(err(), "ERROR: (ResourceNotFound) The gallery was not found.\n");
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kGallery + "?api-version=2021-10-01"));
}

TEST_F(CommandsTest, BadRequestPrintsTargetAndExits1) {
  transport_.RespondJson(400, {{"error",
                                {{"code", "InvalidParameter"},
                                 {"message", "Gallery name is invalid."},
                                 {"target", "galleryName"}}}});
  EXPECT_EQ(Run({"sig", "create", "-g", "rg1", "-r", "gal-1", "-l", "westus"}), 1);
  EXPECT_EQ(err(), "ERROR: (InvalidParameter) Gallery name is invalid.\nTarget: galleryName\n");
}

TEST_F(CommandsTest, SigListBySubscriptionFollowsNextLink) {
  const std::string next =
      "https://127.0.0.1:8443/subscriptions/sub1/providers/Microsoft.Compute/galleries?"
      "api-version=2021-10-01&$skipToken=2";
  transport_.RespondJson(200, {{"value", {Resource(kGallery)}}, {"nextLink", next}});
  transport_.RespondJson(200, {{"value", {Resource(kCompute + "/galleries/gal2")}}});
  EXPECT_EQ(Run({"sig", "list"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET /subscriptions/sub1/providers/Microsoft.Compute/galleries?"
                          "api-version=2021-10-01",
                          "GET " + next));
  EXPECT_EQ(OutJson(), json::array({Resource(kGallery), Resource(kCompute + "/galleries/gal2")}));
}

TEST_F(CommandsTest, SigListByGroupInTable) {
  transport_.RespondJson(200, {{"value", {Resource(kGallery)}}});
  EXPECT_EQ(Run({"sig", "list", "-g", "rg1", "-o", "table"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kCompute + "/galleries?api-version=2021-10-01"));
  EXPECT_EQ(out(),
            "Name  ResourceGroup  Location  ProvisioningState\n"
            "----  -------------  --------  -----------------\n"
            "gal1  rg1            westus    Succeeded\n");
}

TEST_F(CommandsTest, SigUpdatePatchesOnlyTheGivenFields) {
  transport_.RespondJson(200, Resource(kGallery));
  EXPECT_EQ(Run({"sig", "update", "-g", "rg1", "-r", "gal1", "--description", "new"}), 0);
  EXPECT_THAT(transport_.Requests(), ElementsAre("PATCH " + kGallery + "?api-version=2021-10-01"));
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"properties":{"description":"new"}})"));

  transport_.RespondJson(200, Resource(kGallery));
  EXPECT_EQ(Run({"sig", "update", "-g", "rg1", "-r", "gal1", "--tags", "a=b"}), 0);
  EXPECT_EQ(transport_.Body(1), json::parse(R"({"tags":{"a":"b"}})"));
}

TEST_F(CommandsTest, SigUpdateWithoutFieldsIsAUsageError) {
  EXPECT_EQ(Run({"sig", "update", "-g", "rg1", "-r", "gal1"}), 2);
  EXPECT_THAT(err(), HasSubstr("--description"));
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(CommandsTest, SigDeleteNoWaitSendsOnlyTheDelete) {
  transport_.Respond(202, "", {{"Azure-AsyncOperation", "https://127.0.0.1:8443/ops/1"}});
  EXPECT_EQ(Run({"sig", "delete", "-g", "rg1", "-r", "gal1", "--no-wait"}), 0);
  EXPECT_THAT(transport_.Requests(), ElementsAre("DELETE " + kGallery + "?api-version=2021-10-01"));
  EXPECT_EQ(out(), "");
  EXPECT_THAT(sleeper_.sleeps, IsEmpty());
}

TEST_F(CommandsTest, SubscriptionOptionOverridesTheProfile) {
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"sig", "list", "--subscription", "Second"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET /subscriptions/sub2/providers/Microsoft.Compute/galleries?"
                          "api-version=2021-10-01"));
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"sig", "list", "--subscription", "other-sub"}), 0);
  EXPECT_EQ(transport_.calls[1].url,
            "/subscriptions/other-sub/providers/Microsoft.Compute/galleries?"
            "api-version=2021-10-01");
  EXPECT_EQ(out(), "[]\n");
}

TEST_F(CommandsTest, CommandsUseTheProfilesEndpointAndCa) {
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"sig", "list"}), 0);
  ASSERT_EQ(transports_made_.size(), 1u);
  EXPECT_EQ(transports_made_[0].first, kEndpoint);
  EXPECT_EQ(transports_made_[0].second, (dir_ / "ca.pem").string());
}

TEST_F(CommandsTest, ConnectionErrorIsPrintedAndExits1) {
  transport_.Fail(Status::Unavailable(
      "cannot connect to https://127.0.0.1:8443: Connection refused. Is galleryd running?"));
  EXPECT_EQ(Run({"sig", "list"}), 1);
  EXPECT_EQ(err(),
            "ERROR: cannot connect to https://127.0.0.1:8443: Connection refused. Is galleryd "
            "running?\n");
}

TEST_F(CommandsTest, MissingProfileAsksToLogIn) {
  std::filesystem::remove_all(env_.config_dir);
  EXPECT_EQ(Run({"sig", "list"}), 1);
  EXPECT_EQ(err(), "ERROR: Please run 'gallery login'.\n");
  EXPECT_THAT(transport_.calls, IsEmpty());
  EXPECT_THAT(transports_made_, IsEmpty());
}

TEST_F(CommandsTest, BadArgumentsExit2WithoutRequests) {
  EXPECT_EQ(Run({"sig", "show", "-g", "rg1"}), 2);  // -r missing
  EXPECT_THAT(err(), HasSubstr("--gallery-name is required"));
  EXPECT_EQ(Run({"sig", "frobnicate"}), 2);
  EXPECT_EQ(Run({"sig", "list", "-o", "yaml"}), 2);
  EXPECT_EQ(Run({"sig", "image-definition", "create", "-g", "rg1", "-r", "gal1", "-i", "def1",
                 "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Solaris"}),
            2);
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(CommandsTest, HelpExits0) {
  EXPECT_EQ(Run({"sig", "image-version", "create", "--help"}), 0);
  EXPECT_THAT(out(), HasSubstr("--target-regions"));
}

// ---- image definitions --------------------------------------------------------------------

TEST_F(CommandsTest, ImageDefinitionCreateSendsTheFullBody) {
  RespondGroup("westus");
  transport_.RespondJson(201, Resource(kDefinition));
  EXPECT_EQ(Run({"sig",        "image-definition",
                 "create",     "-g",
                 "rg1",        "-r",
                 "gal1",       "-i",
                 "def1",       "--publisher",
                 "pub",        "--offer",
                 "off",        "--sku",
                 "sku",        "--os-type",
                 "linux",      "--hyper-v-generation",
                 "V2",         "--description",
                 "d",          "--end-of-life-date",
                 "2030-12-31", "--minimum-cpu-core",
                 "2",          "--maximum-cpu-core",
                 "8",          "--minimum-memory",
                 "4",          "--tags",
                 "k=v"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kRg + "?api-version=2021-04-01",
                                                 "PUT " + kDefinition + "?api-version=2021-10-01"));
  EXPECT_EQ(transport_.Body(1), json::parse(R"({"location":"westus","tags":{"k":"v"},
    "properties":{"osType":"Linux","osState":"Generalized","hyperVGeneration":"V2",
      "identifier":{"publisher":"pub","offer":"off","sku":"sku"},"description":"d",
      "endOfLifeDate":"2030-12-31","recommended":{"vCPUs":{"min":2,"max":8},"memory":{"min":4}}}})"));
}

TEST_F(CommandsTest, ImageDefinitionCreateDefaultsOsStateAndGeneration) {
  transport_.RespondJson(201, Resource(kDefinition));
  EXPECT_EQ(Run({"sig", "image-definition", "create", "-g", "rg1", "-r", "gal1", "-i", "def1",
                 "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Windows", "-l",
                 "eastus"}),
            0);
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"location":"eastus","tags":{},
    "properties":{"osType":"Windows","osState":"Generalized","hyperVGeneration":"V1",
      "identifier":{"publisher":"p","offer":"o","sku":"s"}}})"));
}

TEST_F(CommandsTest, ImageDefinitionCreateRejectsABadDateBeforeSending) {
  EXPECT_EQ(Run({"sig", "image-definition", "create", "-g", "rg1", "-r", "gal1", "-i", "def1",
                 "--publisher", "p", "--offer", "o", "--sku", "s", "--os-type", "Linux",
                 "--end-of-life-date", "soon"}),
            2);
  EXPECT_THAT(err(), HasSubstr("--end-of-life-date"));
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(CommandsTest, ImageDefinitionUpdatePatchesUpdatableFields) {
  transport_.RespondJson(200, Resource(kDefinition));
  EXPECT_EQ(Run({"sig", "image-definition", "update", "-g", "rg1", "-r", "gal1", "-i", "def1",
                 "--end-of-life-date", "2031-01-01T00:00:00Z", "--maximum-memory", "32"}),
            0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("PATCH " + kDefinition + "?api-version=2021-10-01"));
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"properties":{
      "endOfLifeDate":"2031-01-01T00:00:00Z","recommended":{"memory":{"max":32}}}})"));
}

TEST_F(CommandsTest, ImageDefinitionListShowDeleteAndTable) {
  json def = Resource(kDefinition);
  def["properties"]["osType"] = "Linux";
  def["properties"]["osState"] = "Generalized";
  def["properties"]["hyperVGeneration"] = "V1";
  def["properties"]["identifier"] = {{"publisher", "p"}, {"offer", "o"}, {"sku", "s"}};
  transport_.RespondJson(200, {{"value", {def}}});
  EXPECT_EQ(Run({"sig", "image-definition", "list", "-g", "rg1", "-r", "gal1", "-o", "table"}), 0);
  EXPECT_EQ(out(),
            "Name  ResourceGroup  Location  ProvisioningState  Publisher  Offer  Sku  OsType  "
            "OsState      HyperVGeneration\n"
            "----  -------------  --------  -----------------  ---------  -----  ---  ------  "
            "-----------  ----------------\n"
            "def1  rg1            westus    Succeeded          p          o      s    Linux   "
            "Generalized  V1\n");
  transport_.RespondJson(200, def);
  EXPECT_EQ(Run({"sig", "image-definition", "show", "-g", "rg1", "-r", "gal1", "-i", "def1"}), 0);
  EXPECT_EQ(OutJson(), def);
  transport_.Respond(200, "");
  EXPECT_EQ(Run({"sig", "image-definition", "delete", "-g", "rg1", "-r", "gal1", "-i", "def1"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kGallery + "/images?api-version=2021-10-01",
                          "GET " + kDefinition + "?api-version=2021-10-01",
                          "DELETE " + kDefinition + "?api-version=2021-10-01"));
}

TEST_F(CommandsTest, ShowLatestAsksTheServerToResolveLatest) {
  transport_.RespondJson(200, Resource(kDefinition + "/versions/1.2.0"));
  EXPECT_EQ(Run({"sig", "image-definition", "show-latest", "-g", "rg1", "-r", "gal1", "-i", "def1",
                 "--location", "eastus"}),
            0);
  transport_.RespondJson(200, Resource(kDefinition + "/versions/1.2.0"));
  EXPECT_EQ(
      Run({"sig", "image-definition", "show-latest", "-g", "rg1", "-r", "gal1", "-i", "def1"}), 0);
  EXPECT_THAT(
      transport_.Requests(),
      ElementsAre("GET " + kDefinition + "/versions/latest?api-version=2022-03-03&location=eastus",
                  "GET " + kDefinition + "/versions/latest?api-version=2022-03-03"));
}

// ---- image versions -----------------------------------------------------------------------

TEST_F(CommandsTest, ImageVersionCreateSendsAzBodyAndPollsToTheFinalGet) {
  const std::string version = kDefinition + "/versions/1.0.1";
  RespondGroup("westus2");
  transport_.RespondJson(201, Resource(version, "westus2"),
                         {{"Azure-AsyncOperation", kOp}, {"Retry-After", "1"}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "3"}});
  transport_.RespondJson(200, {{"status", "Succeeded"}});
  transport_.RespondJson(200, Resource(version, "westus2"));
  EXPECT_EQ(Run({"sig",
                 "image-version",
                 "create",
                 "-g",
                 "rg1",
                 "-r",
                 "gal1",
                 "-i",
                 "def1",
                 "-e",
                 "1.0.1",
                 "--managed-image",
                 "img1",
                 "--target-regions",
                 "westus2=2",
                 "eastus",
                 "--replica-count",
                 "1",
                 "--exclude-from-latest",
                 "--end-of-life-date",
                 "2030-12-31T12:59:59Z"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kRg + "?api-version=2021-04-01",
                          "PUT " + version + "?api-version=2022-03-03", "GET " + kOp, "GET " + kOp,
                          "GET " + version + "?api-version=2022-03-03"));
  EXPECT_EQ(transport_.Body(1), json::parse(R"({"location":"westus2","tags":{},"properties":{
      "publishingProfile":{"targetRegions":[{"name":"westus2","regionalReplicaCount":2},
                                            {"name":"eastus"}],
                           "replicaCount":1,"excludeFromLatest":true,
                           "endOfLifeDate":"2030-12-31T12:59:59Z"},
      "storageProfile":{"source":{"id":
        "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/images/img1"}}}})"));
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(seconds(3)));
  EXPECT_EQ(OutJson(), Resource(version, "westus2"));
}

TEST_F(CommandsTest, ImageVersionCreateDefaultsTargetToTheLocationAndKeepsImageIds) {
  const std::string image_id =
      "/subscriptions/other/resourceGroups/imgs/providers/Microsoft.Compute/images/base";
  transport_.RespondJson(201, Resource(kDefinition + "/versions/1.0.0"));
  EXPECT_EQ(Run({"sig", "image-version", "create", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "--managed-image", image_id, "-l", "westus"}),
            0);
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"location":"westus","tags":{},"properties":{
      "publishingProfile":{"targetRegions":[{"name":"westus"}]},
      "storageProfile":{"source":{"id":")" + image_id +
                                            R"("}}}})"));
}

TEST_F(CommandsTest, ImageVersionCreateNoWaitPrintsNothing) {
  transport_.RespondJson(201, Resource(kDefinition + "/versions/1.0.0"),
                         {{"Azure-AsyncOperation", kOp}});
  EXPECT_EQ(Run({"sig", "image-version", "create", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "--managed-image", "img1", "-l", "westus", "--no-wait"}),
            0);
  EXPECT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(out(), "");
}

TEST_F(CommandsTest, ImageVersionCreateRejectsBadTargetRegions) {
  for (const char* bad : {"eastus=x", "eastus=0"}) {
    EXPECT_EQ(Run({"sig", "image-version", "create", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                   "1.0.0", "--managed-image", "img1", "--target-regions", "westus", bad}),
              2)
        << bad;
    EXPECT_THAT(err(), HasSubstr(std::string("invalid replica count")));
    EXPECT_THAT(err(), HasSubstr(bad));
  }
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(CommandsTest, ImageVersionShowWithExpand) {
  const std::string version = kDefinition + "/versions/1.0.0";
  json v = Resource(version);
  v["properties"]["publishingProfile"] = {
      {"targetRegions", {{{"name", "westus"}, {"regionalReplicaCount", 1}}}},
      {"excludeFromLatest", false}};
  transport_.RespondJson(200, v);
  EXPECT_EQ(Run({"sig", "image-version", "show", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "--expand", "ReplicationStatus", "-o", "table"}),
            0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + version + "?api-version=2022-03-03&$expand=ReplicationStatus"));
  EXPECT_EQ(out(),
            "Name   ResourceGroup  Location  ProvisioningState  TargetRegions  ReplicaCount  "
            "ExcludeFromLatest\n"
            "-----  -------------  --------  -----------------  -------------  ------------  "
            "-----------------\n"
            "1.0.0  rg1            westus    Succeeded          westus=1                     "
            "false\n");
}

TEST_F(CommandsTest, ImageVersionUpdatePatchesPublishingProfileOnly) {
  const std::string version = kDefinition + "/versions/1.0.0";
  transport_.RespondJson(200, Resource(version));
  EXPECT_EQ(Run({"sig", "image-version", "update", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "--target-regions", "westus", "eastus=3", "--replica-count", "2",
                 "--exclude-from-latest", "false"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("PATCH " + version + "?api-version=2022-03-03"));
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"properties":{"publishingProfile":{
      "targetRegions":[{"name":"westus"},{"name":"eastus","regionalReplicaCount":3}],
      "replicaCount":2,"excludeFromLatest":false}}})"));

  transport_.RespondJson(200, Resource(version));
  EXPECT_EQ(Run({"sig", "image-version", "update", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "--exclude-from-latest", "TRUE"}),
            0);
  EXPECT_EQ(transport_.Body(1),
            json::parse(R"({"properties":{"publishingProfile":{"excludeFromLatest":true}}})"));
  EXPECT_EQ(Run({"sig", "image-version", "update", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0"}),
            2);
}

TEST_F(CommandsTest, ImageVersionListAndDelete) {
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"sig", "image-version", "list", "-g", "rg1", "-r", "gal1", "-i", "def1"}), 0);
  EXPECT_EQ(out(), "[]\n");
  transport_.Respond(204, "");
  EXPECT_EQ(Run({"sig", "image-version", "delete", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0"}),
            0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kDefinition + "/versions?api-version=2022-03-03",
                          "DELETE " + kDefinition + "/versions/1.0.0?api-version=2022-03-03"));
}

// ---- managed images -----------------------------------------------------------------------

TEST_F(CommandsTest, ImageCreateFromBlobWithDataDisks) {
  const std::string image = kCompute + "/images/img1";
  RespondGroup("westus");
  transport_.RespondJson(201, Resource(image));
  EXPECT_EQ(Run({"image", "create", "-g", "rg1", "-n", "img1", "--source",
                 "https://acct.blob.local/vhds/os.vhd", "--os-type", "Linux", "--os-disk-size-gb",
                 "30", "--data-disk-sources", "https://acct.blob.local/vhds/d0.vhd",
                 "/subscriptions/sub1/resourceGroups/rg1/"
                 "providers/Microsoft.Compute/disks/d1"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kRg + "?api-version=2021-04-01",
                                                 "PUT " + image + "?api-version=2022-11-01"));
  EXPECT_EQ(transport_.Body(1), json::parse(R"({"location":"westus","tags":{},"properties":{
      "hyperVGeneration":"V1","storageProfile":{
        "osDisk":{"osType":"Linux","osState":"Generalized",
                  "blobUri":"https://acct.blob.local/vhds/os.vhd","diskSizeGB":30},
        "dataDisks":[{"lun":0,"blobUri":"https://acct.blob.local/vhds/d0.vhd"},
                     {"lun":1,"managedDisk":{"id":
          "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/disks/d1"}}]}}})"));
}

TEST_F(CommandsTest, ImageCreateFromManagedDisk) {
  const std::string disk = kCompute + "/disks/os1";
  transport_.RespondJson(201, Resource(kCompute + "/images/img1"));
  EXPECT_EQ(Run({"image", "create", "-g", "rg1", "-n", "img1", "--source", disk, "--os-type",
                 "Windows", "--hyper-v-generation", "V2", "-l", "eastus"}),
            0);
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"location":"eastus","tags":{},"properties":{
      "hyperVGeneration":"V2","storageProfile":{
        "osDisk":{"osType":"Windows","osState":"Generalized","managedDisk":{"id":")" +
                                            disk + R"("}},"dataDisks":[]}}})"));
}

TEST_F(CommandsTest, ImageCreateRejectsAnUnknownSourceForm) {
  EXPECT_EQ(Run({"image", "create", "-g", "rg1", "-n", "img1", "--source", "disk1", "--os-type",
                 "Linux", "-l", "westus"}),
            2);
  EXPECT_THAT(err(), HasSubstr("neither a blob URI"));
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(CommandsTest, ImageShowListDelete) {
  const std::string image = kCompute + "/images/img1";
  transport_.RespondJson(200, Resource(image));
  EXPECT_EQ(Run({"image", "show", "-g", "rg1", "-n", "img1"}), 0);
  transport_.RespondJson(200, {{"value", {Resource(image)}}});
  EXPECT_EQ(Run({"image", "list"}), 0);
  transport_.RespondJson(200, {{"value", {Resource(image)}}});
  EXPECT_EQ(Run({"image", "list", "-g", "rg1", "-o", "tsv"}), 0);
  EXPECT_EQ(out(), "img1\trg1\twestus\tSucceeded\t\t\n");
  transport_.Respond(200, "");
  EXPECT_EQ(Run({"image", "delete", "-g", "rg1", "-n", "img1"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + image + "?api-version=2022-11-01",
                          "GET /subscriptions/sub1/providers/Microsoft.Compute/images?"
                          "api-version=2022-11-01",
                          "GET " + kCompute + "/images?api-version=2022-11-01",
                          "DELETE " + image + "?api-version=2022-11-01"));
}

// ---- usage --------------------------------------------------------------------------------

TEST_F(CommandsTest, UsageListPrintsTheValueArray) {
  json usages = json::parse(R"([{"name":{"value":"galleries","localizedValue":"Galleries"},
                                  "currentValue":1,"limit":10,"unit":"Count"}])");
  transport_.RespondJson(200, {{"value", usages}});
  EXPECT_EQ(Run({"usage", "list", "-l", "westus"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET /subscriptions/sub1/providers/Microsoft.Compute/locations/westus/"
                          "usages?api-version=2022-11-01"));
  EXPECT_EQ(OutJson(), usages);
  transport_.RespondJson(200, {{"value", usages}});
  EXPECT_EQ(Run({"usage", "list", "-l", "westus", "-o", "table"}), 0);
  EXPECT_EQ(out(),
            "Name       Current  Limit\n"
            "---------  -------  -----\n"
            "Galleries  1        10\n");
}

}  // namespace
}  // namespace gallery::cli
