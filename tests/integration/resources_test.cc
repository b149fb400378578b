// Resources over raw HTTPS against the real galleryd: create/read/update/delete of resource
// groups, galleries, image definitions, image versions and managed images; PUT vs PATCH; lists;
// case-insensitive paths; idempotent PUT; the Azure CLI's update shapes; the 2018-06-01 version
// form; cascading resource group delete.

#include <map>
#include <set>

#include "arm_test_fixture.h"

namespace gallery::testing {
namespace {

class ResourcesTest : public ArmFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  // PUT new -> 201 Creating with the operation headers; GET -> Succeeded; PUT again -> 200
  // Updating; DELETE -> 202 with headers, then 404; DELETE again -> 204.
  void CheckLifecycle(const std::string& path, const std::string& api, const json& body,
                      const std::string& type, const std::string& name) {
    HttpResult created = Call("PUT", Q(path, api), body);
    ASSERT_EQ(created.status, 201) << created.body;
    json c = Body(created);
    EXPECT_EQ(c["properties"]["provisioningState"], "Creating");
    EXPECT_EQ(c["name"], name);
    EXPECT_EQ(c["type"], type);
    EXPECT_EQ(c["id"], path);
    ExpectAsyncHeaders(created, kSouthCentral);
    json got = WaitSucceeded(path, api);
    EXPECT_EQ(got["id"], path);
    EXPECT_EQ(got["location"], kSouthCentral);
    HttpResult again = Call("PUT", Q(path, api), body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(Body(again)["properties"]["provisioningState"], "Updating");
    ExpectAsyncHeaders(again, kSouthCentral);
    WaitSucceeded(path, api);
    HttpResult del = Call("DELETE", Q(path, api));
    ASSERT_EQ(del.status, 202) << del.body;
    ExpectAsyncHeaders(del, kSouthCentral);
    EXPECT_EQ(WaitOperation(*del.Header("Azure-AsyncOperation"))["status"], "Succeeded");
    HttpResult gone = Call("GET", Q(path, api));
    ExpectError(gone, 404, "ResourceNotFound", {name});
    HttpResult del2 = Call("DELETE", Q(path, api));
    EXPECT_EQ(del2.status, 204) << del2.body;
    EXPECT_TRUE(del2.body.empty());
  }
};

// The Azure CLI turns a display name ("South Central US") into a region name with this list.
TEST_F(ResourcesTest, LocationsListTheRegionCatalogWithDisplayNames) {
  HttpResult listed = Call("GET", Q(Sub() + "/locations", kRgApi));
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json body = Body(listed);
  std::map<std::string, json> by_name;
  for (const json& region : body["value"]) {
    by_name[region.value("name", "")] = region;
  }
  ASSERT_TRUE(by_name.contains(kSouthCentral)) << listed.body;
  const json& south = by_name[kSouthCentral];
  EXPECT_EQ(south["displayName"], "South Central US");
  EXPECT_EQ(south["id"], Sub() + "/locations/" + kSouthCentral);
  EXPECT_EQ(south["metadata"]["galleriesAllowed"], true);
  EXPECT_EQ(by_name.size(), body["value"].size()) << "a region is listed twice";
  ExpectError(Call("GET", Q("/subscriptions/00000000-0000-0000-0000-000000000000/locations",
                            kRgApi)),
              404, "SubscriptionNotFound", {"00000000-0000-0000-0000-000000000000"});
  ExpectError(Call("GET", "/subscriptions/" + sub_ + "/locations"), 400,
              "MissingApiVersionParameter", {});
  EXPECT_EQ(Call("POST", Q(Sub() + "/locations", kRgApi)).status, 405);
}

TEST_F(ResourcesTest, ResourceGroupPutCreates201ThenUpdates200AndDeleteIs202Then404) {
  HttpResult created = Call("PUT", Q(Rg("rg1"), kRgApi),
                            {{"location", "South Central US"}, {"tags", {{"a", "1"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Body(created)["location"], kSouthCentral);
  EXPECT_EQ(Body(created)["name"], "rg1");
  EXPECT_EQ(Body(created)["tags"]["a"], "1");
  HttpResult again = Call("PUT", Q(Rg("rg1"), kRgApi), {{"location", kSouthCentral}});
  EXPECT_EQ(again.status, 200) << again.body;
  json got = Body(Call("GET", Q(Rg("rg1"), kRgApi)));
  EXPECT_EQ(got["id"], Rg("rg1"));
  EXPECT_EQ(got["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(got["tags"], json::object());  // PUT replaces tags
  HttpResult del = Call("DELETE", Q(Rg("rg1"), kRgApi));
  ASSERT_EQ(del.status, 202) << del.body;
  ExpectAsyncHeaders(del, kSouthCentral);
  WaitGone(Rg("rg1"), kRgApi);
  ExpectError(Call("GET", Q(Rg("rg1"), kRgApi)), 404, "ResourceGroupNotFound", {"rg1"});
  // Unlike other resources, a missing group is an error (ARM, and az group delete, say so).
  ExpectError(Call("DELETE", Q(Rg("rg1"), kRgApi)), 404, "ResourceGroupNotFound", {"rg1"});
}

TEST_F(ResourcesTest, GalleryLifecycleCreating201Updating200Delete202ThenGoneThen204) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  CheckLifecycle(GalleryPath("gal1"), kGalleryApi, GalleryBody(kSouthCentral, "d"),
                 "Microsoft.Compute/galleries", "gal1");
}

TEST_F(ResourcesTest, DefinitionLifecycleCreating201Updating200Delete202ThenGoneThen204) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  CheckLifecycle(DefPath("def1"), kGalleryApi, DefBody(), "Microsoft.Compute/galleries/images",
                 "def1");
}

TEST_F(ResourcesTest, VersionLifecycleCreating201Updating200Delete202ThenGoneThen204) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CheckLifecycle(VerPath("1.0.0"), kVersionApi, VersionBody(),
                 "Microsoft.Compute/galleries/images/versions", "1.0.0");
}

TEST_F(ResourcesTest, ManagedImagePutAnswers201Then200NeverAcceptedAndDeletes) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  HttpResult created = Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody());
  ASSERT_EQ(created.status, 201) << created.body;  // never 202: the SDK accepts 200/201 only
  EXPECT_EQ(Body(created)["properties"]["provisioningState"], "Creating");
  EXPECT_EQ(Body(created)["type"], "Microsoft.Compute/images");
  ExpectAsyncHeaders(created, kSouthCentral);
  json got = WaitSucceeded(ImagePath("img1"), kImageApi);
  EXPECT_EQ(got["properties"]["storageProfile"]["osDisk"]["osType"], "Linux");
  EXPECT_EQ(got["properties"]["storageProfile"]["osDisk"]["osState"], "Generalized");
  EXPECT_EQ(got["properties"]["storageProfile"]["osDisk"]["blobUri"], TestVhdUri());
  // The real size of the test VHD's 20 MiB, in whole GiB.
  EXPECT_EQ(got["properties"]["storageProfile"]["osDisk"]["diskSizeGB"], 1);
  EXPECT_EQ(got["properties"]["hyperVGeneration"], "V1");
  json tagged = ImageBody();
  tagged["tags"] = {{"env", "prod"}};
  HttpResult updated = Call("PUT", Q(ImagePath("img1"), kImageApi), tagged);
  EXPECT_EQ(updated.status, 200) << updated.body;
  HttpResult patched = Call("PATCH", Q(ImagePath("img1"), kImageApi), {{"tags", {{"k", "v"}}}});
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(WaitSucceeded(ImagePath("img1"), kImageApi)["tags"], json({{"k", "v"}}));
  HttpResult del = Call("DELETE", Q(ImagePath("img1"), kImageApi));
  ASSERT_EQ(del.status, 202) << del.body;
  ExpectAsyncHeaders(del, kSouthCentral);
  WaitGone(ImagePath("img1"), kImageApi);
  ExpectError(Call("GET", Q(ImagePath("img1"), kImageApi)), 404, "ResourceNotFound", {"img1"});
  EXPECT_EQ(Call("DELETE", Q(ImagePath("img1"), kImageApi)).status, 204);
}

TEST_F(ResourcesTest, PatchOfAMissingResourceIs404AndCreatesNothing) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ExpectError(Call("PATCH", Q(GalleryPath("gal1"), kGalleryApi), {{"tags", {{"a", "b"}}}}), 404,
              "ResourceNotFound", {"gal1"});
  ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  ExpectError(Call("PATCH", Q(ImagePath("img1"), kImageApi), {{"tags", {{"a", "b"}}}}), 404,
              "ResourceNotFound", {"img1"});
  ExpectAbsent(ImagePath("img1"), kImageApi);
}

TEST_F(ResourcesTest, GalleryPatchKeepsAbsentFieldsWhilePutClearsThem) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  json body = GalleryBody(kSouthCentral, "golden");
  body["tags"] = {{"team", "a"}};
  CreateAt(GalleryPath("gal1"), kGalleryApi, body);
  // PATCH with tags only: the description stays.
  ASSERT_EQ(Call("PATCH", Q(GalleryPath("gal1"), kGalleryApi), {{"tags", {{"team", "b"}}}}).status,
            200);
  json g = WaitSucceeded(GalleryPath("gal1"), kGalleryApi);
  EXPECT_EQ(g["properties"]["description"], "golden");
  EXPECT_EQ(g["tags"], json({{"team", "b"}}));
  // PATCH with the description only: the tags stay.
  ASSERT_EQ(Call("PATCH", Q(GalleryPath("gal1"), kGalleryApi),
                 {{"properties", {{"description", "silver"}}}})
                .status,
            200);
  g = WaitSucceeded(GalleryPath("gal1"), kGalleryApi);
  EXPECT_EQ(g["properties"]["description"], "silver");
  EXPECT_EQ(g["tags"], json({{"team", "b"}}));
  // PUT without description and tags: both cleared.
  ASSERT_EQ(Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody()).status, 200);
  g = WaitSucceeded(GalleryPath("gal1"), kGalleryApi);
  EXPECT_FALSE(g["properties"].contains("description")) << g.dump();
  EXPECT_EQ(g["tags"], json::object());
}

TEST_F(ResourcesTest, DefinitionPatchKeepsAbsentUpdatableFieldsWhilePutClearsThem) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  json body = DefBody();
  body["properties"]["description"] = "ubuntu";
  body["properties"]["endOfLifeDate"] = FutureDate();
  body["properties"]["recommended"] = {{"vCPUs", {{"min", 2}, {"max", 8}}},
                                       {"memory", {{"min", 4}, {"max", 16}}}};
  CreateDef("def1", "gal1", body);
  ASSERT_EQ(Call("PATCH", Q(DefPath("def1"), kGalleryApi), {{"tags", {{"x", "y"}}}}).status, 200);
  json d = WaitSucceeded(DefPath("def1"), kGalleryApi);
  EXPECT_EQ(d["properties"]["description"], "ubuntu");
  EXPECT_EQ(d["properties"]["endOfLifeDate"].get<std::string>().substr(0, 19),
            "2099-12-31T12:59:59");
  EXPECT_EQ(d["properties"]["recommended"]["vCPUs"]["max"], 8);
  EXPECT_EQ(d["properties"]["recommended"]["memory"]["min"], 4);
  EXPECT_EQ(d["tags"], json({{"x", "y"}}));
  EXPECT_EQ(d["properties"]["identifier"]["publisher"], "p");
  // PUT with only the required fields: description, end of life, recommended and tags cleared;
  // the immutable fields stay.
  ASSERT_EQ(Call("PUT", Q(DefPath("def1"), kGalleryApi), DefBody()).status, 200);
  d = WaitSucceeded(DefPath("def1"), kGalleryApi);
  EXPECT_FALSE(d["properties"].contains("description")) << d.dump();
  EXPECT_FALSE(d["properties"].contains("endOfLifeDate")) << d.dump();
  EXPECT_FALSE(d["properties"].contains("recommended")) << d.dump();
  EXPECT_EQ(d["tags"], json::object());
  EXPECT_EQ(d["properties"]["osType"], "Linux");
  EXPECT_EQ(d["properties"]["hyperVGeneration"], "V1");
}

// What an older api-version cannot express survives an update made with it (the Azure CLI's
// updates are a GET and a PUT with its own, older model).
TEST_F(ResourcesTest, AnUpdateOnAnOlderApiVersionKeepsWhatThatVersionCannotSee) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json body = VersionBody();
  body["properties"]["safetyProfile"] = {{"allowDeletionOfReplicatedLocations", true},
                                         {"blockDeletionBeforeEndOfLife", false}};
  body["properties"]["publishingProfile"]["targetRegions"][1]["excludeFromLatest"] = true;
  CreateAt(VerPath("1.0.0"), "2025-03-03", body);
  WaitSucceeded(VerPath("1.0.0"), "2025-03-03");

  // 2022-03-03 knows safetyProfile without blockDeletionBeforeEndOfLife.
  json newer = body;
  newer["properties"]["safetyProfile"].erase("blockDeletionBeforeEndOfLife");
  newer["tags"] = {{"step", "1"}};
  HttpResult put = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), newer);
  ASSERT_EQ(put.status, 200) << put.body;
  // 2019-12-01 has no per-region excludeFromLatest.
  json older = newer;
  older["properties"].erase("safetyProfile");
  older["properties"]["publishingProfile"]["targetRegions"][1].erase("excludeFromLatest");
  older["tags"] = {{"step", "2"}};
  put = Call("PUT", Q(VerPath("1.0.0"), "2019-12-01"), older);
  ASSERT_EQ(put.status, 200) << put.body;

  const json v = WaitSucceeded(VerPath("1.0.0"), "2025-03-03");
  EXPECT_EQ(v["tags"], json({{"step", "2"}}));
  EXPECT_EQ(v["properties"]["safetyProfile"]["blockDeletionBeforeEndOfLife"], false) << v.dump();
  EXPECT_EQ(v["properties"]["publishingProfile"]["targetRegions"][1]["excludeFromLatest"], true)
      << v.dump();
  // A member the client sends must still be unchanged.
  newer["properties"]["safetyProfile"]["allowDeletionOfReplicatedLocations"] = false;
  ExpectError(Call("PUT", Q(VerPath("1.0.0"), kVersionApi), newer), 400,
              "PropertyChangeNotAllowed", {"safetyProfile"});
}

TEST_F(ResourcesTest, VersionPatchKeepsAbsentUpdatableFieldsWhilePutClearsThem) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json body = VersionBody();
  body["tags"] = {{"t", "1"}};
  body["properties"]["publishingProfile"]["replicaCount"] = 3;
  body["properties"]["publishingProfile"]["excludeFromLatest"] = true;
  body["properties"]["publishingProfile"]["endOfLifeDate"] = FutureDate();
  CreateVersion("1.0.0", body);
  ASSERT_EQ(Call("PATCH", Q(VerPath("1.0.0"), kVersionApi), {{"tags", {{"t", "2"}}}}).status, 200);
  json v = WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  json pp = v["properties"]["publishingProfile"];
  EXPECT_EQ(pp["replicaCount"], 3);
  EXPECT_EQ(pp["excludeFromLatest"], true);
  EXPECT_EQ(pp["endOfLifeDate"].get<std::string>().substr(0, 19), "2099-12-31T12:59:59");
  EXPECT_EQ(pp["targetRegions"].size(), 2u);
  EXPECT_EQ(pp["targetRegions"][1]["regionalReplicaCount"], 3);  // East US takes replicaCount
  EXPECT_EQ(v["tags"], json({{"t", "2"}}));
  EXPECT_EQ(v["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
  // PUT with only the required fields: replica count back to 1, exclude false, no end of life,
  // no tags, targets as given; the source stays.
  ASSERT_EQ(Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody()).status, 200);
  v = WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  pp = v["properties"]["publishingProfile"];
  EXPECT_EQ(pp["replicaCount"], 1);
  EXPECT_EQ(pp["excludeFromLatest"], false);
  EXPECT_FALSE(pp.contains("endOfLifeDate")) << pp.dump();
  EXPECT_EQ(pp["targetRegions"][1]["regionalReplicaCount"], 1);
  EXPECT_EQ(v["tags"], json::object());
  EXPECT_EQ(v["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
}

TEST_F(ResourcesTest, ListsByParentByResourceGroupAndBySubscription) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg2"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("gal2", "rg2"));
  CreateAt(ImagePath("img2", "rg2"), kImageApi, ImageBody());
  CreateDef("def2", "gal1", DefBody("p", "o", "s2"));
  CreateVersion("1.0.0", VersionBody());
  CreateVersion("1.0.1", VersionBody());
  auto names = [&](const std::string& url) {
    HttpResult r = Call("GET", url);
    EXPECT_EQ(r.status, 200) << url << ": " << r.body;
    std::vector<std::string> out;
    const json page = Body(r);
    for (const json& item : page["value"]) {
      out.push_back(item["name"].get<std::string>());
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names(Q(Compute("rg1") + "/galleries", kGalleryApi)), V({"gal1"}));
  EXPECT_EQ(names(Q(Compute("rg2") + "/galleries", kGalleryApi)), V({"gal2"}));
  EXPECT_EQ(names(Q(Sub() + "/providers/Microsoft.Compute/galleries", kGalleryApi)),
            V({"gal1", "gal2"}));
  EXPECT_EQ(names(Q(GalleryPath("gal1") + "/images", kGalleryApi)), V({"def1", "def2"}));
  EXPECT_EQ(names(Q(GalleryPath("gal2", "rg2") + "/images", kGalleryApi)), V({}));
  EXPECT_EQ(names(Q(DefPath("def1") + "/versions", kVersionApi)), V({"1.0.0", "1.0.1"}));
  EXPECT_EQ(names(Q(DefPath("def2") + "/versions", kVersionApi)), V({}));
  EXPECT_EQ(names(Q(Compute("rg1") + "/images", kImageApi)), V({"img1"}));
  EXPECT_EQ(names(Q(Sub() + "/providers/Microsoft.Compute/images", kImageApi)),
            V({"img1", "img2"}));
  EXPECT_EQ(names(Q(Sub() + "/resourceGroups", kRgApi)), V({"rg1", "rg2"}));
  // Items in lists have the full resource shape.
  json first = Body(Call("GET", Q(DefPath("def1") + "/versions", kVersionApi)))["value"][0];
  EXPECT_EQ(first["type"], "Microsoft.Compute/galleries/images/versions");
  EXPECT_EQ(first["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
  // Listing under a missing parent is a 404, not an empty list.
  ExpectError(Call("GET", Q(GalleryPath("nope") + "/images", kGalleryApi)), 404,
              "ResourceNotFound", {"nope"});
}

TEST_F(ResourcesTest, PathSegmentsAndNamesAreCaseInsensitive) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  const std::string odd =
      Sub() + "/resourcegroups/RG1/PROVIDERS/microsoft.compute/GALLERIES/GAL1/Images/DEF1";
  HttpResult def = Call("GET", Q(odd, kGalleryApi));
  ASSERT_EQ(def.status, 200) << def.body;
  EXPECT_EQ(Body(def)["name"], "def1");
  EXPECT_EQ(Body(def)["properties"]["identifier"]["sku"], "s");
  HttpResult ver = Call("GET", Q(odd + "/VERSIONS/1.0.0", kVersionApi));
  ASSERT_EQ(ver.status, 200) << ver.body;
  EXPECT_EQ(Body(ver)["name"], "1.0.0");
  HttpResult rg = Call("GET", Q(Sub() + "/resourcegroups/Rg1", kRgApi));
  ASSERT_EQ(rg.status, 200) << rg.body;
  EXPECT_EQ(Body(rg)["name"], "rg1");
  HttpResult img =
      Call("GET", Q(Sub() + "/ResourceGroups/rg1/providers/Microsoft.Compute/IMAGES/IMG1", kImageApi));
  ASSERT_EQ(img.status, 200) << img.body;
  EXPECT_EQ(Body(img)["name"], "img1");
  // A PUT under another casing updates the same gallery (200), not a second one.
  HttpResult put = Call("PUT", Q(Sub() + "/resourcegroups/RG1/providers/MICROSOFT.COMPUTE/galleries/GAL1",
                                 kGalleryApi),
                        GalleryBody(kSouthCentral, "again"));
  EXPECT_EQ(put.status, 200) << put.body;
  HttpResult list = Call("GET", Q(Compute("rg1") + "/galleries", kGalleryApi));
  EXPECT_EQ(Body(list)["value"].size(), 1u) << list.body;
  EXPECT_EQ(WaitSucceeded(GalleryPath("gal1"), kGalleryApi)["properties"]["description"], "again");
  // A resource group under another casing is the same group.
  EXPECT_EQ(Call("PUT", Q(Sub() + "/resourceGroups/RG1", kRgApi), {{"location", kSouthCentral}}).status,
            200);
}

TEST_F(ResourcesTest, ResendingIdenticalValuesSucceedsAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  struct Case {
    std::string path, api;
    json body;
  };
  json def = DefBody();
  const std::vector<Case> cases = {
      {Rg("rg1"), kRgApi, {{"location", kSouthCentral}}},
      {GalleryPath("gal1"), kGalleryApi, GalleryBody()},
      {DefPath("def1"), kGalleryApi, def},
      {ImagePath("img1"), kImageApi, ImageBody()},
      {VerPath("1.0.0"), kVersionApi, VersionBody()},
  };
  for (const Case& c : cases) {
    json before = Body(Call("GET", Q(c.path, c.api)));
    for (int i = 0; i < 2; ++i) {
      HttpResult r = Call("PUT", Q(c.path, c.api), c.body);
      EXPECT_EQ(r.status, 200) << c.path << ": " << r.body;
    }
    json after = c.path == Rg("rg1") ? Body(Call("GET", Q(c.path, c.api)))
                                     : WaitSucceeded(c.path, c.api);
    before["properties"].erase("provisioningState");
    after["properties"].erase("provisioningState");
    EXPECT_EQ(before, after) << c.path;
  }
  // Re-sending the GET body itself (read-only fields included) is also accepted.
  for (const Case& c : cases) {
    json got = Body(Call("GET", Q(c.path, c.api)));
    HttpResult r = Call("PUT", Q(c.path, c.api), got);
    EXPECT_EQ(r.status, 200) << c.path << ": " << r.body;
  }
}

TEST_F(ResourcesTest, CliVersionUpdateWithEmptyStorageProfileKeepsTheSource) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  // az sig image-version update: GET, then PUT of the full version with storageProfile {}.
  json v = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)));
  v["properties"].erase("provisioningState");
  v["properties"]["storageProfile"] = json::object();
  v["properties"]["publishingProfile"]["targetRegions"] =
      json::array({{{"name", "South Central US"}, {"regionalReplicaCount", 2}},
                   {{"name", "westus2"}, {"regionalReplicaCount", 1}}});
  v["properties"]["publishingProfile"]["replicaCount"] = 2;
  HttpResult put = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), v);
  ASSERT_EQ(put.status, 200) << put.body;
  json after = WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  EXPECT_EQ(after["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
  EXPECT_EQ(after["properties"]["storageProfile"]["osDiskImage"]["sizeInGB"], 1);
  json targets = after["properties"]["publishingProfile"]["targetRegions"];
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0]["regionalReplicaCount"], 2);
  EXPECT_EQ(targets[1]["name"], "West US 2");
  EXPECT_EQ(after["properties"]["publishingProfile"]["replicaCount"], 2);
}

TEST_F(ResourcesTest, CliGalleryUpdateWithEmptyIdentifierKeepsUniqueName) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  json g = Body(Call("GET", Q(GalleryPath("gal1"), kGalleryApi)));
  const std::string unique = g["properties"]["identifier"]["uniqueName"].get<std::string>();
  EXPECT_EQ(unique, sub_ + "-GAL1");
  // az sig update --set description=x: GET, then PUT with read-only fields stripped.
  json put = {{"location", g["location"]},
              {"tags", json::object()},
              {"properties", {{"description", "x"}, {"identifier", json::object()}}}};
  HttpResult r = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), put);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["properties"]["identifier"]["uniqueName"], unique);
  json after = WaitSucceeded(GalleryPath("gal1"), kGalleryApi);
  EXPECT_EQ(after["properties"]["identifier"]["uniqueName"], unique);
  EXPECT_EQ(after["properties"]["description"], "x");
}

TEST_F(ResourcesTest, Version2018FormSourceManagedImageIsAcceptedAndEchoedInThatForm) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json body = {{"location", "South Central US"},
               {"properties",
                {{"publishingProfile",
                  {{"targetRegions", json::array({{{"name", "South Central US"},
                                                   {"regionalReplicaCount", 1}}})},
                   {"source", {{"managedImage", {{"id", ImagePath("img1")}}}}}}}}}};
  HttpResult put = Call("PUT", Q(VerPath("1.0.0"), "2018-06-01"), body);
  ASSERT_EQ(put.status, 201) << put.body;
  json v = WaitSucceeded(VerPath("1.0.0"), "2018-06-01");
  EXPECT_EQ(v["properties"]["publishingProfile"]["source"]["managedImage"]["id"], ImagePath("img1"));
  EXPECT_FALSE(v["properties"]["storageProfile"].contains("source")) << v.dump();
  // The same version read with a newer api-version shows storageProfile.source.id.
  json newer = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)));
  EXPECT_EQ(newer["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
  EXPECT_FALSE(newer["properties"]["publishingProfile"].contains("source")) << newer.dump();
  // Re-sending the 2018 GET body is an idempotent update.
  v["properties"].erase("provisioningState");
  HttpResult again = Call("PUT", Q(VerPath("1.0.0"), "2018-06-01"), v);
  EXPECT_EQ(again.status, 200) << again.body;
}

TEST_F(ResourcesTest, DeletingResourceGroupDeletesEverythingInIt) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  CreateVersion("1.0.1", VersionBody());
  ASSERT_NO_FATAL_FAILURE(CreateGallery("gal2"));
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg2"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("keep", "rg2"));
  HttpResult del = Call("DELETE", Q(Rg("rg1"), kRgApi));
  ASSERT_EQ(del.status, 202) << del.body;
  EXPECT_EQ(WaitOperation(*del.Header("Azure-AsyncOperation"))["status"], "Succeeded");
  ExpectError(Call("GET", Q(Rg("rg1"), kRgApi)), 404, "ResourceGroupNotFound", {"rg1"});
  // Nothing of rg1 is left in the subscription-wide lists, and rg2 is untouched.
  json galleries = Body(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/galleries", kGalleryApi)));
  ASSERT_EQ(galleries["value"].size(), 1u) << galleries.dump();
  EXPECT_EQ(galleries["value"][0]["name"], "keep");
  json images = Body(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/images", kImageApi)));
  EXPECT_EQ(images["value"].size(), 0u) << images.dump();
  // Re-creating the group yields an empty group: the children did not survive.
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg1"));
  ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  ExpectAbsent(ImagePath("img1"), kImageApi);
  HttpResult versions = Call("GET", Q(DefPath("def1") + "/versions", kVersionApi));
  EXPECT_EQ(versions.status, 404) << versions.body;
  // And the usage counts dropped back to what rg2 holds.
  json usages = Body(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/locations/southcentralus/usages",
                                   kImageApi)));
  for (const json& u : usages["value"]) {
    const std::string name = u["name"]["value"].get<std::string>();
    EXPECT_EQ(u["currentValue"], name == "galleries" ? 1 : 0) << u.dump();
  }
}

}  // namespace
}  // namespace gallery::testing
