// The rules galleryd enforces, each checked over raw HTTPS against the real server: the status,
// the ARM error code, a message naming the field and value, and nothing half-created.

#include "arm_test_fixture.h"

namespace gallery::testing {
namespace {

class RulesTest : public ArmFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  void Restart(const std::string& config) {
    server_->Stop();
    ASSERT_NO_FATAL_FAILURE(StartServer(config));
  }

  // PUT at `path` is refused with 400 InvalidParameter naming `name`, and nothing exists there.
  void ExpectBadName(const std::string& path, const std::string& api, const json& body,
                     const std::string& name, const std::string& code = "InvalidParameter") {
    HttpResult r = Call("PUT", Q(path, api), body);
    ExpectError(r, 400, code, {"'" + name + "'"});
    ExpectAbsent(path, api);
  }
  json Version(const std::string& location, json targets, const std::string& image = "img1") {
    return VersionBody(image, location, std::move(targets));
  }
  json UsageOf(const std::string& location, const std::string& name) {
    json all = Body(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/locations/" + location +
                                      "/usages",
                                  kImageApi)));
    for (const json& u : all["value"]) {
      if (u["name"]["value"] == name) {
        return u;
      }
    }
    ADD_FAILURE() << "no usage " << name << " in " << all.dump();
    return json();
  }
};

// ---------------------------------------------------------------- names

// Properties the server stores without interpreting them must still have the type ARM clients
// deserialize: one bad value would break every client listing the resource. Nothing is made.
TEST_F(RulesTest, UninterpretedPropertiesOfTheWrongTypeAreRefusedNamingThem) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  json gallery = GalleryBody();
  gallery["properties"]["softDeletePolicy"] = {{"isSoftDeleteEnabled", "maybe"}};
  ExpectError(Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), gallery), 400,
              "InvalidRequestContent",
              {"gallery.properties.softDeletePolicy.isSoftDeleteEnabled", "maybe"});
  EXPECT_EQ(Call("GET", Q(GalleryPath("gal1"), kGalleryApi)).status, 404);
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  json def = DefBody();
  def["properties"]["features"] = {{{"name", "SecurityType"}, {"value", 5}}};
  ExpectError(Call("PUT", Q(DefPath("def1"), kGalleryApi), def), 400, "InvalidRequestContent",
              {"galleryImage.properties.features[0].value"});
  EXPECT_EQ(Call("GET", Q(DefPath("def1"), kGalleryApi)).status, 404);
}

TEST_F(RulesTest, GalleryNameWithDashOrBadEdgesIsRefusedNamingTheName) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  for (const std::string& name : std::vector<std::string>{"bad-name", "gal.", "_gal", "gal!", std::string(81, 'g')}) {
    SCOPED_TRACE(name);
    ExpectBadName(GalleryPath(name), kGalleryApi, GalleryBody(), name);
  }
  HttpResult msg = Call("PUT", Q(GalleryPath("my-gallery"), kGalleryApi), GalleryBody());
  ExpectError(msg, 400, "InvalidParameter", {"dashes"});
  // Allowed: letters, digits, '_' and '.' in the middle, 80 characters.
  CreateGallery("a.b_c9");
  CreateGallery(std::string(80, 'g'));
}

TEST_F(RulesTest, DefinitionNameRulesRefuseBadEdgesAndCharacters) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  int i = 0;
  for (const std::string& name : std::vector<std::string>{"-def", "def-", "def.", "d!f", "d~f", std::string(81, 'd')}) {
    SCOPED_TRACE(name);
    ExpectBadName(DefPath(name), kGalleryApi, DefBody("p", "o", "s" + std::to_string(i++)), name);
  }
  // A percent-encoded space is decoded and refused by the name rule, naming the decoded name.
  ExpectError(Call("PUT", Q(DefPath("d%20f"), kGalleryApi), DefBody("p", "o", "sp")), 400,
              "InvalidParameter", {"'d f'"});
  CreateDef("my-def.1_x", "gal1", DefBody("p", "o", "ok"));
}

TEST_F(RulesTest, ManagedImageNameRulesRefuseBadEdgesAndCharacters) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  for (const std::string& name : std::vector<std::string>{"img.", "img-", "-img", "_img", "i@m", std::string(81, 'i')}) {
    SCOPED_TRACE(name);
    ExpectBadName(ImagePath(name), kImageApi, ImageBody(), name);
  }
  CreateImage("img_");  // may end with an underscore
  CreateImage("my-img.2");
}

TEST_F(RulesTest, ResourceGroupNameRulesRefuseBadNames) {
  for (const std::string& name : std::vector<std::string>{"rg.", "rg*1", "rg!", std::string(91, 'r')}) {
    SCOPED_TRACE(name);
    HttpResult r = Call("PUT", Q(Rg(name), kRgApi), {{"location", kSouthCentral}});
    ExpectError(r, 400, "InvalidResourceGroup", {"'" + name + "'"});
    ExpectError(Call("GET", Q(Rg(name), kRgApi)), 404, "ResourceGroupNotFound");
  }
  EXPECT_EQ(Call("PUT", Q(Rg("my-rg_(1).x"), kRgApi), {{"location", kSouthCentral}}).status, 201);
  EXPECT_EQ(Call("PUT", Q(Rg(std::string(90, 'r')), kRgApi), {{"location", kSouthCentral}}).status,
            201);
}

TEST_F(RulesTest, VersionNameMustBeMajorMinorPatchOf32BitIntegers) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  for (const std::string& name : std::vector<std::string>{"1.0", "1.0.0.0", "a.b.c", "1.0.-1", "1..0", "v1.0.0", "1.0.0-beta",
                                 "2147483648.0.0", "0.2147483648.0", "0.0.2147483648",
                                 "99999999999.0.0"}) {
    SCOPED_TRACE(name);
    HttpResult r = Call("PUT", Q(VerPath(name), kVersionApi), VersionBody());
    ExpectError(r, 400, "InvalidParameter", {"'" + name + "'", "Major(int).Minor(int).Patch(int)"});
    ExpectAbsent(VerPath(name), kVersionApi);
  }
  CreateVersion("2147483647.2147483647.2147483647", VersionBody());
  CreateVersion("0.0.0", VersionBody());
}

TEST_F(RulesTest, VersionNamesDenotingTheSameNumbersAreTheSameVersion) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  for (const std::string& name : std::vector<std::string>{"01.0.0", "1.00.0", "1.0.00"}) {
    SCOPED_TRACE(name);
    HttpResult r = Call("PUT", Q(VerPath(name), kVersionApi), VersionBody());
    Expect4xx(r, {name});
    ExpectAbsent(VerPath(name), kVersionApi);
  }
  json list = Body(Call("GET", Q(DefPath("def1") + "/versions", kVersionApi)));
  EXPECT_EQ(list["value"].size(), 1u) << list.dump();
}

TEST_F(RulesTest, IdentifierPartsMustBePresentAndWellFormed) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  const std::string id = "galleryImage.properties.identifier.";
  struct Case {
    json identifier;
    std::string field, value;
  };
  const std::vector<Case> cases = {
      {{{"publisher", "p."}, {"offer", "o"}, {"sku", "s"}}, "publisher", "'p.'"},
      {{{"publisher", "p"}, {"offer", "o f"}, {"sku", "s"}}, "offer", "'o f'"},
      {{{"publisher", "p"}, {"offer", "o"}, {"sku", std::string(65, 's')}}, "sku", std::string(65, 's')},
      {{{"publisher", std::string(129, 'p')}, {"offer", "o"}, {"sku", "s"}}, "publisher", "128"},
      {{{"publisher", "p"}, {"offer", "o"}}, "sku", "missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    json def = DefBody();
    def["properties"]["identifier"] = c.identifier;
    HttpResult r = Call("PUT", Q(DefPath("def1"), kGalleryApi), def);
    ExpectError(r, 400, "InvalidParameter", {id + c.field, c.value});
    ExpectTarget(r, id + c.field);
    ExpectAbsent(DefPath("def1"), kGalleryApi);
  }
  json def = DefBody();
  def["properties"].erase("osType");
  ExpectError(Call("PUT", Q(DefPath("def1"), kGalleryApi), def), 400, "InvalidParameter",
              {"galleryImage.properties.osType"});
  ExpectAbsent(DefPath("def1"), kGalleryApi);
  CreateDef("def1", "gal1", DefBody("Contoso-Ltd.x", "Ubuntu_Server", "22_04-lts"));
}

// ---------------------------------------------------------------- identity and hierarchy

TEST_F(RulesTest, DuplicatePublisherOfferSkuIsRefusedInOneGalleryButAllowedInAnother) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult dup = Call("PUT", Q(DefPath("def2"), kGalleryApi), DefBody("p", "o", "s"));
  ExpectError(dup, 400, "InvalidParameter", {"def1", "publisher:p", "offer:o", "sku:s"});
  ExpectAbsent(DefPath("def2"), kGalleryApi);
  // Identifiers compare case-insensitively.
  HttpResult upper = Call("PUT", Q(DefPath("def3"), kGalleryApi), DefBody("P", "O", "S"));
  ExpectError(upper, 400, "InvalidParameter", {"def1"});
  ExpectAbsent(DefPath("def3"), kGalleryApi);
  // Another sku in the same gallery, and the same triple in another gallery, are fine.
  CreateDef("def4", "gal1", DefBody("p", "o", "s2"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("gal2"));
  CreateDef("def1", "gal2", DefBody("p", "o", "s"));
}

TEST_F(RulesTest, MissingParentIs404ParentResourceNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult def = Call("PUT", Q(DefPath("d", "nope"), kGalleryApi), DefBody());
  ExpectError(def, 404, "ParentResourceNotFound", {"nope"});
  HttpResult ver = Call("PUT", Q(VerPath("1.0.0", "nodef"), kVersionApi), VersionBody());
  ExpectError(ver, 404, "ParentResourceNotFound", {"gal1/nodef"});
  HttpResult deep = Call("PUT", Q(VerPath("1.0.0", "d", "nope"), kVersionApi), VersionBody());
  ExpectError(deep, 404, "ParentResourceNotFound", {"nope"});
  ExpectError(Call("GET", Q(VerPath("1.0.0", "nodef"), kVersionApi)), 404, "ParentResourceNotFound",
              {"nodef"});
  // Listing the children of a missing definition names the missing definition.
  ExpectError(Call("GET", Q(GalleryPath("gal1") + "/images/nodef/versions", kVersionApi)), 404,
              "ResourceNotFound", {"nodef"});
}

TEST_F(RulesTest, MissingResourceGroupIs404ResourceGroupNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ExpectError(Call("PUT", Q(GalleryPath("gal1", "norg"), kGalleryApi), GalleryBody()), 404,
              "ResourceGroupNotFound", {"norg"});
  ExpectError(Call("PUT", Q(ImagePath("img1", "norg"), kImageApi), ImageBody()), 404,
              "ResourceGroupNotFound", {"norg"});
  ExpectError(Call("GET", Q(GalleryPath("gal1", "norg"), kGalleryApi)), 404, "ResourceGroupNotFound",
              {"norg"});
  ExpectError(Call("GET", Q(Compute("norg") + "/galleries", kGalleryApi)), 404,
              "ResourceGroupNotFound", {"norg"});
  ExpectError(Call("PUT", Q(DefPath("d", "g", "norg"), kGalleryApi), DefBody()), 404,
              "ResourceGroupNotFound", {"norg"});
}

TEST_F(RulesTest, UnknownSubscriptionIs404SubscriptionNotFound) {
  const std::string other = "22222222-2222-2222-2222-222222222222";
  const std::string rg = "/subscriptions/" + other + "/resourceGroups/rg1";
  ExpectError(Call("PUT", Q(rg, kRgApi), {{"location", kSouthCentral}}), 404, "SubscriptionNotFound",
              {other});
  ExpectError(Call("PUT", Q(rg + "/providers/Microsoft.Compute/galleries/gal1", kGalleryApi),
                   GalleryBody()),
              404, "SubscriptionNotFound", {other});
  ExpectError(Call("GET", Q(rg + "/providers/Microsoft.Compute/galleries/gal1", kGalleryApi)), 404,
              "SubscriptionNotFound", {other});
  ExpectError(Call("GET", Q("/subscriptions/" + other + "/providers/Microsoft.Compute/galleries",
                            kGalleryApi)),
              404, "SubscriptionNotFound", {other});
  ExpectError(Call("GET", Q("/subscriptions/" + other, kRgApi)), 404, "SubscriptionNotFound",
              {other});
}

TEST_F(RulesTest, DeletingGalleryOrDefinitionWithChildrenIs409CannotDeleteResource) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  HttpResult g = Call("DELETE", Q(GalleryPath("gal1"), kGalleryApi));
  ExpectError(g, 409, "CannotDeleteResource", {"def1"});
  HttpResult d = Call("DELETE", Q(DefPath("def1"), kGalleryApi));
  ExpectError(d, 409, "CannotDeleteResource", {"1.0.0"});
  // Both are untouched.
  EXPECT_EQ(Body(Call("GET", Q(GalleryPath("gal1"), kGalleryApi)))["properties"]["provisioningState"],
            "Succeeded");
  EXPECT_EQ(Body(Call("GET", Q(DefPath("def1"), kGalleryApi)))["properties"]["provisioningState"],
            "Succeeded");
  // Children first, then the parents go.
  ASSERT_EQ(Call("DELETE", Q(VerPath("1.0.0"), kVersionApi)).status, 202);
  WaitGone(VerPath("1.0.0"), kVersionApi);
  ASSERT_EQ(Call("DELETE", Q(DefPath("def1"), kGalleryApi)).status, 202);
  WaitGone(DefPath("def1"), kGalleryApi);
  EXPECT_EQ(Call("DELETE", Q(GalleryPath("gal1"), kGalleryApi)).status, 202);
}

// ---------------------------------------------------------------- regions

TEST_F(RulesTest, GalleryInReplicationOnlyRegionIsRefusedDisplayNameIsAccepted) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  HttpResult east = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody("eastus"));
  ExpectError(east, 400, "LocationNotAvailableForResourceType", {"eastus", "southcentralus"});
  ExpectTarget(east, "location");
  ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  HttpResult display =
      Call("PUT", Q(GalleryPath("gal2"), kGalleryApi), GalleryBody("South Central US"));
  ASSERT_EQ(display.status, 201) << display.body;
  EXPECT_EQ(Body(display)["location"], kSouthCentral);
  EXPECT_EQ(WaitSucceeded(GalleryPath("gal2"), kGalleryApi)["location"], kSouthCentral);
  EXPECT_EQ(Call("PUT", Q(GalleryPath("gal3"), kGalleryApi), GalleryBody("WESTCENTRALUS")).status, 201);
}

TEST_F(RulesTest, RegionNotInCatalogIsRefusedWithLocationNotAvailable) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  ExpectError(Call("PUT", Q(Rg("rg9"), kRgApi), {{"location", "chinaeast2"}}), 400,
              "LocationNotAvailableForResourceType", {"chinaeast2"});
  ExpectAbsent(Rg("rg9"), kRgApi);
  ExpectError(Call("PUT", Q(GalleryPath("gal9"), kGalleryApi), GalleryBody("usgovvirginia")), 400,
              "LocationNotAvailableForResourceType", {"usgovvirginia"});
  ExpectAbsent(GalleryPath("gal9"), kGalleryApi);
  ExpectError(Call("PUT", Q(DefPath("def9"), kGalleryApi), DefBody("p", "o", "s9", "Linux", "V1", "chinaeast2")),
              400, "LocationNotAvailableForResourceType", {"chinaeast2"});
  ExpectAbsent(DefPath("def9"), kGalleryApi);
  ExpectError(Call("PUT", Q(ImagePath("img9"), kImageApi), ImageBody("usgovvirginia")), 400,
              "LocationNotAvailableForResourceType", {"usgovvirginia"});
  ExpectAbsent(ImagePath("img9"), kImageApi);
  HttpResult target = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                           Version(kSouthCentral, json::array({{{"name", kSouthCentral}},
                                                               {{"name", "usgovvirginia"}}})));
  ExpectError(target, 400, "LocationNotAvailableForResourceType", {"usgovvirginia"});
  ExpectTarget(target, "galleryImageVersion.properties.publishingProfile.targetRegions[1].name");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  HttpResult loc = Call("PUT", Q(VerPath("1.0.1"), kVersionApi),
                        Version("chinaeast2", json::array({{{"name", kSouthCentral}}})));
  ExpectError(loc, 400, "LocationNotAvailableForResourceType", {"chinaeast2"});
  ExpectAbsent(VerPath("1.0.1"), kVersionApi);
  // westcentralus hosts galleries but receives no replicas.
  HttpResult wcus = Call("PUT", Q(VerPath("1.0.2"), kVersionApi),
                         Version(kSouthCentral, json::array({{{"name", kSouthCentral}},
                                                             {{"name", "West Central US"}}})));
  ExpectError(wcus, 400, "LocationNotAvailableForResourceType", {"West Central US"});
  ExpectAbsent(VerPath("1.0.2"), kVersionApi);
}

TEST_F(RulesTest, DuplicateTargetRegionsAreRefusedAlsoAcrossNameForms) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult same = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                         Version(kSouthCentral, json::array({{{"name", kSouthCentral}},
                                                             {{"name", "eastus"}},
                                                             {{"name", "eastus"}}})));
  ExpectError(same, 400, "InvalidParameter", {"Duplicate regions", "eastus"});
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  HttpResult forms = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                          Version(kSouthCentral, json::array({{{"name", kSouthCentral}},
                                                              {{"name", "eastus"}},
                                                              {{"name", "East US"}}})));
  ExpectError(forms, 400, "InvalidParameter", {"Duplicate regions", "East US"});
  ExpectTarget(forms, "galleryImageVersion.properties.publishingProfile.targetRegions");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
}

TEST_F(RulesTest, VersionLocationMustBeAmongItsTargetRegions) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                      Version(kSouthCentral, json::array({{{"name", "eastus"}}, {{"name", "westus"}}})));
  ExpectError(r, 400, "InvalidParameter", {"southcentralus", "eastus", "westus"});
  ExpectTarget(r, "galleryImageVersion.properties.publishingProfile.targetRegions");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  // An update may not drop the version's own region either.
  CreateVersion("1.0.1", VersionBody());
  HttpResult upd = Call("PATCH", Q(VerPath("1.0.1"), kVersionApi),
                        {{"properties", {{"publishingProfile",
                                          {{"targetRegions", json::array({{{"name", "eastus"}}})}}}}}});
  ExpectError(upd, 400, "InvalidParameter", {"southcentralus"});
  EXPECT_EQ(Body(Call("GET", Q(VerPath("1.0.1"), kVersionApi)))["properties"]["publishingProfile"]
                ["targetRegions"].size(),
            2u);
}

TEST_F(RulesTest, ReplicaCountsMustBeFromOneToTheDefaultMaximumTen) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  for (int count : {0, 11, -1}) {
    SCOPED_TRACE(count);
    HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                        Version(kSouthCentral, json::array({{{"name", kSouthCentral},
                                                             {"regionalReplicaCount", count}}})));
    ExpectError(r, 400, "InvalidParameter", {"The value " + std::to_string(count), "regionalReplicaCount", "10"});
    ExpectTarget(r, "galleryImageVersion.properties.publishingProfile.targetRegions[0].regionalReplicaCount");
    ExpectAbsent(VerPath("1.0.0"), kVersionApi);
    json common = VersionBody();
    common["properties"]["publishingProfile"]["replicaCount"] = count;
    HttpResult c = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), common);
    ExpectError(c, 400, "InvalidParameter", {"The value " + std::to_string(count), "replicaCount"});
    ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  }
  json max = Version(kSouthCentral, json::array({{{"name", kSouthCentral}, {"regionalReplicaCount", 10}}}));
  max["properties"]["publishingProfile"]["replicaCount"] = 10;
  CreateVersion("1.0.0", max);
  EXPECT_EQ(Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)))["properties"]["publishingProfile"]
                ["targetRegions"][0]["regionalReplicaCount"],
            10);
}

TEST_F(RulesTest, ReplicaCountMaximumComesFromTheConfiguration) {
  ASSERT_NO_FATAL_FAILURE(Restart(R"({"limits": {"maxReplicaCount": 3}})"));
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                      Version(kSouthCentral, json::array({{{"name", kSouthCentral},
                                                           {"regionalReplicaCount", 4}}})));
  ExpectError(r, 400, "InvalidParameter", {"The value 4", "between 1 and 3"});
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  CreateVersion("1.0.0", Version(kSouthCentral, json::array({{{"name", kSouthCentral},
                                                              {"regionalReplicaCount", 3}}})));
}

TEST_F(RulesTest, RegionsWithoutCountTakeTheCommonReplicaCount) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json body = Version(kSouthCentral, json::array({{{"name", kSouthCentral}, {"regionalReplicaCount", 2}},
                                                  {{"name", "eastus"}},
                                                  {{"name", "westus"}}}));
  body["properties"]["publishingProfile"]["replicaCount"] = 4;
  CreateVersion("1.0.0", body);
  json t = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)))["properties"]["publishingProfile"];
  EXPECT_EQ(t["replicaCount"], 4);
  EXPECT_EQ(t["targetRegions"][0]["regionalReplicaCount"], 2);
  EXPECT_EQ(t["targetRegions"][1]["regionalReplicaCount"], 4);
  EXPECT_EQ(t["targetRegions"][2]["regionalReplicaCount"], 4);
  // Without replicaCount the common count is 1.
  CreateVersion("1.0.1", Version(kSouthCentral, json::array({{{"name", kSouthCentral}}})));
  json u = Body(Call("GET", Q(VerPath("1.0.1"), kVersionApi)))["properties"]["publishingProfile"];
  EXPECT_EQ(u["replicaCount"], 1);
  EXPECT_EQ(u["targetRegions"][0]["regionalReplicaCount"], 1);
}

// ---------------------------------------------------------------- sources

TEST_F(RulesTest, MissingSourceManagedImageIsRefusedNamingIt) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody("ghost"));
  ExpectError(r, 400, "InvalidParameter", {ImagePath("ghost"), "not found"});
  ExpectTarget(r, "galleryImageVersion.properties.storageProfile.source.id");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  // No source at all is a missing required field.
  json none = VersionBody();
  none["properties"].erase("storageProfile");
  HttpResult n = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), none);
  ExpectError(n, 400, "InvalidParameter", {"storageProfile.source.id"});
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
}

TEST_F(RulesTest, SourceManagedImageInAnotherRegionIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateImage("img-east", ImageBody("eastus2"));
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody("img-east"));
  ExpectError(r, 400, "InvalidParameter", {ImagePath("img-east"), "eastus2", "southcentralus"});
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
}

TEST_F(RulesTest, SourceManagedImageWithAnotherOsTypeIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateImage("img-win", ImageBody(kSouthCentral, "Windows"));
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody("img-win"));
  ExpectError(r, 400, "InvalidParameter", {ImagePath("img-win"), "Windows", "Linux"});
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
}

TEST_F(RulesTest, SourceManagedImageWithAnotherHyperVGenerationIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateImage("img-v2", ImageBody(kSouthCentral, "Linux", "V2"));
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody("img-v2"));
  ExpectError(r, 400, "InvalidParameter", {ImagePath("img-v2"), "V2", "V1"});
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  // And the other way round: a V2 definition refuses a V1 image.
  CreateDef("def2", "gal1", DefBody("p", "o", "s2", "Linux", "V2"));
  HttpResult back = Call("PUT", Q(VerPath("1.0.0", "def2"), kVersionApi), VersionBody("img1"));
  ExpectError(back, 400, "InvalidParameter", {"V1", "V2"});
  CreateVersion("1.0.0", VersionBody("img-v2"), "def2");
}

TEST_F(RulesTest, SpecializedOsStateIsRefusedForDefinitionsAndManagedImages) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  json def = DefBody();
  def["properties"]["osState"] = "Specialized";
  HttpResult d = Call("PUT", Q(DefPath("def1"), kGalleryApi), def);
  ExpectError(d, 400, "InvalidParameter", {"Specialized", "osState"});
  ExpectTarget(d, "galleryImage.properties.osState");
  ExpectAbsent(DefPath("def1"), kGalleryApi);
  HttpResult i = Call("PUT", Q(ImagePath("img1"), kImageApi),
                      ImageBody(kSouthCentral, "Linux", "V1", "Specialized"));
  ExpectError(i, 400, "InvalidParameter", {"Specialized", "osState"});
  ExpectTarget(i, "image.properties.storageProfile.osDisk.osState");
  ExpectAbsent(ImagePath("img1"), kImageApi);
}

// ---------------------------------------------------------------- updates

TEST_F(RulesTest, DefinitionImmutableFieldsAreRefusedWithPropertyChangeNotAllowed) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  struct Change {
    std::string property;
    json value;
  };
  const std::vector<Change> changes = {{"osType", "Windows"},
                                       {"osState", "Specialized"},
                                       {"hyperVGeneration", "V2"},
                                       {"identifier.publisher", "p2"},
                                       {"identifier.offer", "o2"},
                                       {"identifier.sku", "s2"}};
  for (const Change& c : changes) {
    SCOPED_TRACE(c.property);
    json put = DefBody();
    json patch = {{"properties", json::object()}};
    if (c.property.rfind("identifier.", 0) == 0) {
      const std::string part = c.property.substr(11);
      put["properties"]["identifier"][part] = c.value;
      patch["properties"]["identifier"] = put["properties"]["identifier"];
    } else {
      put["properties"][c.property] = c.value;
      patch["properties"][c.property] = c.value;
    }
    const std::string target = "galleryImage.properties." + c.property;
    for (const auto& [method, body] : {std::pair{"PUT", put}, std::pair{"PATCH", patch}}) {
      HttpResult r = Call(method, Q(DefPath("def1"), kGalleryApi), body);
      ExpectError(r, 400, "PropertyChangeNotAllowed", {target});
      ExpectTarget(r, target);
    }
  }
  json d = Body(Call("GET", Q(DefPath("def1"), kGalleryApi)));
  EXPECT_EQ(d["properties"]["osType"], "Linux");
  EXPECT_EQ(d["properties"]["osState"], "Generalized");
  EXPECT_EQ(d["properties"]["hyperVGeneration"], "V1");
  EXPECT_EQ(d["properties"]["identifier"], json({{"publisher", "p"}, {"offer", "o"}, {"sku", "s"}}));
  EXPECT_EQ(d["properties"]["provisioningState"], "Succeeded");
}

TEST_F(RulesTest, DefinitionUpdatableFieldsChange) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json put = DefBody();
  put["tags"] = {{"a", "b"}};
  put["properties"]["description"] = "new";
  put["properties"]["endOfLifeDate"] = FutureDate();
  put["properties"]["recommended"] = {{"vCPUs", {{"min", 1}, {"max", 4}}},
                                      {"memory", {{"min", 2}, {"max", 32}}}};
  ASSERT_EQ(Call("PUT", Q(DefPath("def1"), kGalleryApi), put).status, 200);
  json d = WaitSucceeded(DefPath("def1"), kGalleryApi);
  EXPECT_EQ(d["properties"]["description"], "new");
  EXPECT_EQ(d["properties"]["recommended"]["memory"]["max"], 32);
  EXPECT_EQ(d["properties"]["endOfLifeDate"].get<std::string>().substr(0, 10), "2099-12-31");
  EXPECT_EQ(d["tags"]["a"], "b");
}

TEST_F(RulesTest, VersionSourceAndStorageAccountTypesAreImmutable) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateImage("img2");
  CreateVersion("1.0.0", VersionBody());
  const std::string pp = "galleryImageVersion.properties.publishingProfile.";
  HttpResult source = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody("img2"));
  ExpectError(source, 400, "PropertyChangeNotAllowed", {"storageProfile.source.id"});
  ExpectTarget(source, "galleryImageVersion.properties.storageProfile.source.id");
  json type = VersionBody();
  type["properties"]["publishingProfile"]["storageAccountType"] = "Premium_LRS";
  HttpResult t = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), type);
  ExpectError(t, 400, "PropertyChangeNotAllowed", {pp + "storageAccountType"});
  ExpectTarget(t, pp + "storageAccountType");
  json region = VersionBody();
  region["properties"]["publishingProfile"]["targetRegions"][0]["storageAccountType"] = "Standard_ZRS";
  HttpResult rt = Call("PATCH", Q(VerPath("1.0.0"), kVersionApi),
                       {{"properties", {{"publishingProfile", region["properties"]["publishingProfile"]}}}});
  ExpectError(rt, 400, "PropertyChangeNotAllowed", {"targetRegions[0].storageAccountType"});
  ExpectTarget(rt, pp + "targetRegions[0].storageAccountType");
  // The 2018-06-01 form names its own field.
  json legacy = {{"location", kSouthCentral},
                 {"properties",
                  {{"publishingProfile",
                    {{"targetRegions", json::array({{{"name", kSouthCentral}}})},
                     {"source", {{"managedImage", {{"id", ImagePath("img2")}}}}}}}}}};
  HttpResult l = Call("PUT", Q(VerPath("1.0.0"), "2018-06-01"), legacy);
  ExpectError(l, 400, "PropertyChangeNotAllowed", {"publishingProfile.source.managedImage.id"});
  ExpectTarget(l, pp + "source.managedImage.id");
  json v = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)));
  EXPECT_EQ(v["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));
  EXPECT_EQ(v["properties"]["publishingProfile"]["storageAccountType"], "Standard_LRS");
  EXPECT_EQ(v["properties"]["publishingProfile"]["targetRegions"][0]["storageAccountType"], "Standard_LRS");
  EXPECT_EQ(v["properties"]["provisioningState"], "Succeeded");
}

// A version is its image's disks: a disk-level source or a LUN the image lacks is refused, never
// ignored, and an update may echo the disks but not change them.
TEST_F(RulesTest, VersionDiskEntriesAreCheckedNotIgnored) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  const std::string sp = "galleryImageVersion.properties.storageProfile.";
  json snapshot = VersionBody();
  snapshot["properties"]["storageProfile"]["dataDiskImages"] = {
      {{"lun", 0}, {"source", {{"id", Compute("rg1") + "/snapshots/snap1"}}}}};
  HttpResult s = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), snapshot);
  ExpectError(s, 400, "InvalidParameter", {sp + "dataDiskImages[0].source", "not supported"});
  ExpectTarget(s, sp + "dataDiskImages[0].source");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  json lun = VersionBody();
  lun["properties"]["storageProfile"]["dataDiskImages"] = {{{"lun", 0}}};
  HttpResult l = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), lun);
  ExpectError(l, 400, "InvalidParameter", {"The LUN 0", "it has no data disks"});
  ExpectTarget(l, sp + "dataDiskImages[0].lun");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);

  CreateVersion("1.0.0", VersionBody());
  const json before = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)));
  HttpResult add = Call("PATCH", Q(VerPath("1.0.0"), kVersionApi),
                        {{"properties", {{"storageProfile", {{"dataDiskImages", {{{"lun", 7}}}}}}}}});
  ExpectError(add, 400, "PropertyChangeNotAllowed",
              {"Adding new Data Disks or changing the LUN of a Data Disk"});
  ExpectTarget(add, sp + "dataDiskImages");
  HttpResult caching = Call(
      "PATCH", Q(VerPath("1.0.0"), kVersionApi),
      {{"properties", {{"storageProfile", {{"osDiskImage", {{"hostCaching", "ReadWrite"}}}}}}}});
  ExpectError(caching, 400, "PropertyChangeNotAllowed", {sp + "osDiskImage.hostCaching"});
  // Echoing what was read back is no change.
  HttpResult echo = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), before);
  EXPECT_EQ(echo.status, 200) << echo.body;
  WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  json after = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)));
  EXPECT_EQ(after["properties"]["storageProfile"], before["properties"]["storageProfile"]);
}

// PATCH routes of galleries, definitions and versions exist from api-version 2019-07-01.
TEST_F(RulesTest, PatchBeforeItsApiVersionIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  HttpResult old = Call("PATCH", Q(GalleryPath("gal1"), "2018-06-01"),
                        {{"properties", {{"description", "p2018"}}}});
  ExpectError(old, 400, "InvalidApiVersionParameter", {"'2018-06-01'", "use PUT", "2019-07-01"});
  json g = Body(Call("GET", Q(GalleryPath("gal1"), kGalleryApi)));
  EXPECT_FALSE(g["properties"].contains("description")) << g.dump();
  HttpResult later = Call("PATCH", Q(GalleryPath("gal1"), "2019-07-01"),
                          {{"properties", {{"description", "p2019"}}}});
  EXPECT_EQ(later.status, 200) << later.body;
}

// identifier.uniqueName is "{subscription}-{NAME}": a second gallery of the same name in another
// group of the subscription would make it name two galleries.
TEST_F(RulesTest, GalleryNamesAreUniqueWithinTheSubscription) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg2"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  HttpResult twin = Call("PUT", Q(GalleryPath("Gal1", "rg2"), kGalleryApi), GalleryBody());
  ExpectError(twin, 409, "GalleryNameNotUnique",
              {"'Gal1'", "not unique within the subscription", GalleryPath("gal1")});
  ExpectAbsent(GalleryPath("Gal1", "rg2"), kGalleryApi);
}

TEST_F(RulesTest, ManagedImagePatchMayChangeOnlyTags) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  CreateImage();
  HttpResult os = Call("PATCH", Q(ImagePath("img1"), kImageApi),
                       {{"properties", {{"storageProfile", {{"osDisk", {{"osType", "Windows"}}}}}}}});
  ExpectError(os, 400, "PropertyChangeNotAllowed", {"osType"});
  ExpectTarget(os, "image.properties.storageProfile.osDisk.osType");
  HttpResult hv = Call("PATCH", Q(ImagePath("img1"), kImageApi), {{"properties", {{"hyperVGeneration", "V2"}}}});
  ExpectError(hv, 400, "PropertyChangeNotAllowed", {"hyperVGeneration"});
  json img = Body(Call("GET", Q(ImagePath("img1"), kImageApi)));
  EXPECT_EQ(img["properties"]["storageProfile"]["osDisk"]["osType"], "Linux");
  EXPECT_EQ(img["properties"]["hyperVGeneration"], "V1");
}

TEST_F(RulesTest, ManagedImagePutMayChangeOnlyTags) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  CreateImage();
  const std::string sp = "image.properties.storageProfile.";
  HttpResult os = Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody(kSouthCentral, "Windows"));
  ExpectError(os, 400, "PropertyChangeNotAllowed", {sp + "osDisk.osType"});
  ExpectTarget(os, sp + "osDisk.osType");
  HttpResult hv = Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody(kSouthCentral, "Linux", "V2"));
  ExpectError(hv, 400, "PropertyChangeNotAllowed", {"image.properties.hyperVGeneration"});
  json blob = ImageBody();
  blob["properties"]["storageProfile"]["osDisk"]["blobUri"] = "https://acct.blob.local/vhds/other.vhd";
  HttpResult b = Call("PUT", Q(ImagePath("img1"), kImageApi), blob);
  ExpectError(b, 400, "PropertyChangeNotAllowed", {sp + "osDisk"});
  json zr = ImageBody();
  zr["properties"]["storageProfile"]["zoneResilient"] = true;
  ExpectError(Call("PUT", Q(ImagePath("img1"), kImageApi), zr), 400, "PropertyChangeNotAllowed",
              {"zoneResilient"});
  json tags = ImageBody();
  tags["tags"] = {{"only", "tags"}};
  ASSERT_EQ(Call("PUT", Q(ImagePath("img1"), kImageApi), tags).status, 200);
  EXPECT_EQ(WaitSucceeded(ImagePath("img1"), kImageApi)["tags"], json({{"only", "tags"}}));
}

TEST_F(RulesTest, VersionUpdatableFieldsChange) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  json patch = {{"tags", {{"k", "v"}}},
                {"properties",
                 {{"publishingProfile",
                   {{"targetRegions", json::array({{{"name", kSouthCentral}, {"regionalReplicaCount", 5}},
                                                   {{"name", "northeurope"}}})},
                    {"replicaCount", 2},
                    {"excludeFromLatest", true},
                    {"endOfLifeDate", FutureDate()}}}}}};
  HttpResult r = Call("PATCH", Q(VerPath("1.0.0"), kVersionApi), patch);
  ASSERT_EQ(r.status, 200) << r.body;
  json v = WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  json pp = v["properties"]["publishingProfile"];
  ASSERT_EQ(pp["targetRegions"].size(), 2u) << pp.dump();
  EXPECT_EQ(pp["targetRegions"][0]["regionalReplicaCount"], 5);
  EXPECT_EQ(pp["targetRegions"][1]["name"], "North Europe");
  EXPECT_EQ(pp["targetRegions"][1]["regionalReplicaCount"], 2);
  EXPECT_EQ(pp["replicaCount"], 2);
  EXPECT_EQ(pp["excludeFromLatest"], true);
  EXPECT_EQ(pp["endOfLifeDate"].get<std::string>().substr(0, 10), "2099-12-31");
  EXPECT_EQ(v["tags"]["k"], "v");
}

TEST_F(RulesTest, GallerySharingProfileIsImmutableOnceSetDescriptionIsUpdatable) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  json body = GalleryBody();
  body["properties"] = {{"sharingProfile", {{"permissions", "Private"}}}};
  CreateAt(GalleryPath("gal1"), kGalleryApi, body);
  json changed = body;
  changed["properties"]["sharingProfile"]["permissions"] = "Groups";
  HttpResult r = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), changed);
  ExpectError(r, 400, "PropertyChangeNotAllowed", {"gallery.properties.sharingProfile"});
  ExpectTarget(r, "gallery.properties.sharingProfile");
  HttpResult p = Call("PATCH", Q(GalleryPath("gal1"), kGalleryApi),
                      {{"properties", {{"sharingProfile", {{"permissions", "Community"}}}}}});
  ExpectError(p, 400, "PropertyChangeNotAllowed", {"gallery.properties.sharingProfile"});
  json same = body;
  same["properties"]["description"] = "now described";
  ASSERT_EQ(Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), same).status, 200);
  json g = WaitSucceeded(GalleryPath("gal1"), kGalleryApi);
  EXPECT_EQ(g["properties"]["sharingProfile"]["permissions"], "Private");
  EXPECT_EQ(g["properties"]["description"], "now described");
}

TEST_F(RulesTest, EndOfLifeInThePastIsRefusedInTheFutureAccepted) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json def = DefBody("p", "o", "s2");
  def["properties"]["endOfLifeDate"] = PastDate();
  HttpResult d = Call("PUT", Q(DefPath("def2"), kGalleryApi), def);
  ExpectError(d, 400, "InvalidParameter", {"EndOfLifeDate must be set to a future date", "2001-01-01"});
  ExpectTarget(d, "galleryImage.properties.endOfLifeDate");
  ExpectAbsent(DefPath("def2"), kGalleryApi);
  def["properties"]["endOfLifeDate"] = FutureDate();
  CreateDef("def2", "gal1", def);
  json ver = VersionBody();
  ver["properties"]["publishingProfile"]["endOfLifeDate"] = PastDate();
  HttpResult v = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), ver);
  ExpectError(v, 400, "InvalidParameter", {"EndOfLifeDate must be set to a future date"});
  ExpectTarget(v, "galleryImageVersion.properties.publishingProfile.endOfLifeDate");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  ver["properties"]["publishingProfile"]["endOfLifeDate"] = FutureDate();
  CreateVersion("1.0.0", ver);
  // Updates too.
  HttpResult u = Call("PATCH", Q(VerPath("1.0.0"), kVersionApi),
                      {{"properties", {{"publishingProfile", {{"endOfLifeDate", PastDate()}}}}}});
  ExpectError(u, 400, "InvalidParameter", {"EndOfLifeDate"});
  HttpResult ud = Call("PATCH", Q(DefPath("def1"), kGalleryApi),
                       {{"properties", {{"endOfLifeDate", PastDate()}}}});
  ExpectError(ud, 400, "InvalidParameter", {"EndOfLifeDate"});
  EXPECT_EQ(Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)))["properties"]["publishingProfile"]
                ["endOfLifeDate"].get<std::string>().substr(0, 4),
            "2099");
}

TEST_F(RulesTest, RecommendedMinimumAboveMaximumIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  for (const std::string what : {"vCPUs", "memory"}) {
    SCOPED_TRACE(what);
    json def = DefBody();
    def["properties"]["recommended"] = {{what, {{"min", 8}, {"max", 2}}}};
    HttpResult r = Call("PUT", Q(DefPath("def1"), kGalleryApi), def);
    ExpectError(r, 400, "InvalidParameter", {"minimum value of " + what, "min 8", "max 2"});
    ExpectTarget(r, "galleryImage.properties.recommended." + what);
    ExpectAbsent(DefPath("def1"), kGalleryApi);
  }
  CreateDef();
  HttpResult p = Call("PATCH", Q(DefPath("def1"), kGalleryApi),
                      {{"properties", {{"recommended", {{"vCPUs", {{"min", 3}, {"max", 1}}}}}}}});
  ExpectError(p, 400, "InvalidParameter", {"vCPUs"});
  EXPECT_FALSE(Body(Call("GET", Q(DefPath("def1"), kGalleryApi)))["properties"].contains("recommended"));
}

TEST_F(RulesTest, PutWithDifferentLocationIs409InvalidResourceLocation) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  struct Case {
    std::string path, api;
    json body;
  };
  json ver = VersionBody("img1", "eastus", json::array({{{"name", "eastus"}}}));
  const std::vector<Case> cases = {{GalleryPath("gal1"), kGalleryApi, GalleryBody("westeurope")},
                                   {DefPath("def1"), kGalleryApi, DefBody("p", "o", "s", "Linux", "V1", "westeurope")},
                                   {ImagePath("img1"), kImageApi, ImageBody("eastus2")},
                                   {VerPath("1.0.0"), kVersionApi, ver}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    HttpResult r = Call("PUT", Q(c.path, c.api), c.body);
    ExpectError(r, 409, "InvalidResourceLocation", {"southcentralus"});
    EXPECT_EQ(Body(Call("GET", Q(c.path, c.api)))["location"], kSouthCentral);
  }
  HttpResult rg = Call("PUT", Q(Rg("rg1"), kRgApi), {{"location", "westeurope"}});
  ExpectError(rg, 409, "InvalidResourceGroupLocation", {"southcentralus", "westeurope"});
}

// ---------------------------------------------------------------- quotas

constexpr char kQuota2[] = R"({"quotas": {"galleries": 2, "imageDefinitions": 2, "imageVersions": 2}})";

TEST_F(RulesTest, GalleryQuotaIsPerRegionAndTheNextIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Restart(kQuota2));
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery("g1"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("g2"));
  HttpResult r = Call("PUT", Q(GalleryPath("g3"), kGalleryApi), GalleryBody());
  ExpectError(r, 409, "GalleryQuotaExceeded", {"Limit: 2", "current usage: 2", "southcentralus"});
  ExpectAbsent(GalleryPath("g3"), kGalleryApi);
  ASSERT_NO_FATAL_FAILURE(CreateGallery("g3", "rg1", "westeurope"));  // another region fits
  json u = UsageOf("southcentralus", "galleries");
  EXPECT_EQ(u["currentValue"], 2);
  EXPECT_EQ(u["limit"], 2);
  EXPECT_EQ(UsageOf("westeurope", "galleries")["currentValue"], 1);
}

TEST_F(RulesTest, ImageDefinitionQuotaIsPerRegionAndTheNextIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Restart(kQuota2));
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  CreateDef("d1", "gal1", DefBody("p", "o", "1"));
  CreateDef("d2", "gal1", DefBody("p", "o", "2"));
  HttpResult r = Call("PUT", Q(DefPath("d3"), kGalleryApi), DefBody("p", "o", "3"));
  ExpectError(r, 409, "GalleryImageQuotaExceeded", {"Limit: 2", "current usage: 2"});
  ExpectAbsent(DefPath("d3"), kGalleryApi);
  CreateDef("d3", "gal1", DefBody("p", "o", "3", "Linux", "V1", "eastus2"));
  EXPECT_EQ(UsageOf("southcentralus", "galleryImages")["currentValue"], 2);
  EXPECT_EQ(UsageOf("eastus2", "galleryImages")["currentValue"], 1);
}

TEST_F(RulesTest, ImageVersionQuotaIsPerRegionAndTheNextIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Restart(kQuota2));
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  CreateVersion("1.0.1", VersionBody());
  HttpResult r = Call("PUT", Q(VerPath("1.0.2"), kVersionApi), VersionBody());
  ExpectError(r, 409, "GalleryImageVersionQuotaExceeded", {"Limit: 2", "current usage: 2"});
  ExpectAbsent(VerPath("1.0.2"), kVersionApi);
  CreateImage("img-east", ImageBody("eastus"));
  CreateVersion("1.0.2", VersionBody("img-east", "eastus", json::array({{{"name", "eastus"}}})));
  json u = UsageOf("southcentralus", "galleryImageVersions");
  EXPECT_EQ(u["currentValue"], 2);
  EXPECT_EQ(u["limit"], 2);
  EXPECT_EQ(UsageOf("East%20US", "galleryImageVersions")["currentValue"], 1);
  // Updating an existing version does not count against the quota.
  EXPECT_EQ(Call("PUT", Q(VerPath("1.0.1"), kVersionApi), VersionBody()).status, 200);
}

TEST_F(RulesTest, UsagesReportCurrentValueAndLimitPerRegion) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  HttpResult r = Call("GET", Q(Sub() + "/providers/Microsoft.Compute/locations/southcentralus/usages",
                               kImageApi));
  ASSERT_EQ(r.status, 200) << r.body;
  json value = Body(r)["value"];
  ASSERT_EQ(value.size(), 3u) << r.body;
  std::map<std::string, std::pair<int, int>> got;
  for (const json& u : value) {
    EXPECT_EQ(u["unit"], "Count");
    got[u["name"]["value"].get<std::string>()] = {u["currentValue"].get<int>(), u["limit"].get<int>()};
  }
  EXPECT_EQ(got["galleries"], std::make_pair(1, 10));
  EXPECT_EQ(got["galleryImages"], std::make_pair(1, 200));
  EXPECT_EQ(got["galleryImageVersions"], std::make_pair(1, 2000));
  ExpectError(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/locations/chinaeast2/usages", kImageApi)),
              400, "LocationNotAvailableForResourceType", {"chinaeast2"});
}

TEST_F(RulesTest, MovingAGalleryIsRefusedWithResourceMoveNotSupported) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg2"));
  HttpResult r = Call("POST", Q(Rg("rg1") + "/moveResources", kRgApi),
                      {{"resources", json::array({GalleryPath("gal1")})},
                       {"targetResourceGroup", Sub() + "/resourceGroups/rg2"}});
  Expect4xx(r, {GalleryPath("gal1"), "cannot be moved"});
  EXPECT_EQ(Body(r)["error"]["code"], "ResourceMoveNotSupported") << r.body;
  EXPECT_EQ(Call("GET", Q(GalleryPath("gal1"), kGalleryApi)).status, 200);
  ExpectAbsent(GalleryPath("gal1", "rg2"), kGalleryApi);
  HttpResult img = Call("POST", Q(Rg("rg1") + "/moveResources", kRgApi),
                        {{"resources", json::array({ImagePath("img1")})},
                         {"targetResourceGroup", Sub() + "/resourceGroups/rg2"}});
  Expect4xx(img, {ImagePath("img1")});
  EXPECT_EQ(Body(img)["error"]["code"], "ResourceMoveNotSupported") << img.body;
}

// ---------------------------------------------------------------- protocol

TEST_F(RulesTest, ApiVersionMissingOrUnsupportedIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ExpectError(Call("GET", GalleryPath("gal1")), 400, "MissingApiVersionParameter", {"api-version"});
  ExpectError(Call("PUT", GalleryPath("gal1"), GalleryBody()), 400, "MissingApiVersionParameter");
  ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  for (const std::string v : {"2017-01-01", "2099-01-01", "2021-10-01-preview", "latest"}) {
    SCOPED_TRACE(v);
    HttpResult r = Call("PUT", Q(GalleryPath("gal1"), v), GalleryBody());
    ExpectError(r, 400, "InvalidApiVersionParameter", {"'" + v + "'"});
    ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  }
  ExpectError(Call("GET", Q(ImagePath("img1"), "2017-12-01")), 400, "InvalidApiVersionParameter",
              {"2017-12-01"});
}

TEST_F(RulesTest, EveryGalleryApiVersionFrom2018To2025IsAccepted) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  for (const std::string v : {"2018-06-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-09-30",
                              "2021-07-01", "2021-10-01", "2022-01-03", "2022-03-03", "2022-08-03",
                              "2023-07-03", "2024-03-03", "2025-03-03"}) {
    SCOPED_TRACE(v);
    for (const std::string& path : {GalleryPath("gal1"), DefPath("def1"), VerPath("1.0.0"),
                                    GalleryPath("gal1") + "/images"}) {
      HttpResult r = Call("GET", Q(path, v));
      EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    }
    HttpResult put = Call("PUT", Q(GalleryPath("gal1"), v), GalleryBody());
    EXPECT_EQ(put.status, 200) << put.body;
  }
  for (const std::string v : {"2018-04-01", "2018-10-01", "2019-07-01", "2020-06-01", "2021-07-01",
                              "2022-11-01", "2024-03-01"}) {
    SCOPED_TRACE(v);
    HttpResult r = Call("GET", Q(ImagePath("img1"), v));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Body(r)["name"], "img1");
  }
}

TEST_F(RulesTest, MalformedOrNonObjectBodiesAreInvalidRequestContent) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  for (const std::string body : {"{\"location\": ", "not json", "[1,2]", "\"str\"", "42", "null"}) {
    SCOPED_TRACE(body);
    HttpResult r = Raw("PUT", Q(GalleryPath("gal1"), kGalleryApi), body);
    ExpectError(r, 400, "InvalidRequestContent", {"could not be deserialized"});
    ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  }
  ExpectError(Raw("PUT", Q(GalleryPath("gal1"), kGalleryApi), "[1,2]"), 400, "InvalidRequestContent",
              {"array"});
  HttpResult empty = Call("PUT", Q(ImagePath("img1"), kImageApi));
  ExpectError(empty, 400, "InvalidRequestContent", {"empty"});
}

TEST_F(RulesTest, WrongJsonTypesAreInvalidRequestContentNamingTheField) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  HttpResult loc = Call("PUT", Q(GalleryPath("gal2"), kGalleryApi), {{"location", 5}});
  ExpectError(loc, 400, "InvalidRequestContent", {"'location'", "5"});
  ExpectTarget(loc, "location");
  ExpectAbsent(GalleryPath("gal2"), kGalleryApi);
  json bad = VersionBody();
  bad["properties"]["publishingProfile"]["targetRegions"][0]["regionalReplicaCount"] = "x";
  HttpResult count = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), bad);
  const std::string field =
      "galleryImageVersion.properties.publishingProfile.targetRegions[0].regionalReplicaCount";
  ExpectError(count, 400, "InvalidRequestContent", {field, "\"x\""});
  ExpectTarget(count, field);
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  HttpResult tags = Call("PUT", Q(GalleryPath("gal2"), kGalleryApi), {{"location", kSouthCentral}, {"tags", "a"}});
  ExpectError(tags, 400, "InvalidRequestContent", {"'tags'"});
  HttpResult props = Call("PUT", Q(DefPath("def2"), kGalleryApi), {{"location", kSouthCentral}, {"properties", json::array()}});
  ExpectError(props, 400, "InvalidRequestContent", {"galleryImage.properties"});
  json os = DefBody("p", "o", "x");
  os["properties"]["osType"] = "Solaris";
  HttpResult enumv = Call("PUT", Q(DefPath("def2"), kGalleryApi), os);
  Expect4xx(enumv, {"Solaris", "osType"});
  ExpectAbsent(DefPath("def2"), kGalleryApi);
  HttpResult targets = Call("PUT", Q(VerPath("1.0.0"), kVersionApi),
                            {{"location", kSouthCentral},
                             {"properties", {{"publishingProfile", {{"targetRegions", "southcentralus"}}}}}});
  ExpectError(targets, 400, "InvalidRequestContent", {"targetRegions"});
}

TEST_F(RulesTest, Version2018FormWithoutSourceNamesTheLegacySourceField) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  json body = {{"location", kSouthCentral},
               {"properties",
                {{"publishingProfile", {{"targetRegions", json::array({{{"name", kSouthCentral}}})}}}}}};
  HttpResult r = Call("PUT", Q(VerPath("1.0.0"), "2018-06-01"), body);
  const std::string field = "galleryImageVersion.properties.publishingProfile.source.managedImage.id";
  ExpectError(r, 400, "InvalidParameter", {field});
  ExpectTarget(r, field);
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
}

TEST_F(RulesTest, DeeplyNestedJsonIsRefusedWithoutCrashingTheServer) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  const int depth = 100000;
  const std::string body = R"({"location":"southcentralus","properties":{"x":)" +
                           std::string(depth, '[') + std::string(depth, ']') + "}}";
  HttpCall call{"PUT", Q(GalleryPath("deep"), kGalleryApi), {{"Content-Type", "application/json"}}, body};
  Result<HttpResult> r = client_->Send(call);
  ASSERT_TRUE(r.ok()) << "the server did not answer: " << r.status().ToString();
  ExpectError(*r, 400, "InvalidRequestContent");
  ExpectAbsent(GalleryPath("deep"), kGalleryApi);
}

TEST_F(RulesTest, UnknownRouteIs404AndUnsupportedMethodIs405) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  for (const std::string& path :
       {std::string("/nothing/here"), Rg("rg1") + "/providers/Microsoft.Network/virtualNetworks/v",
        GalleryPath("gal1") + "/bogus/x", DefPath("def1") + "/versions/1.0.0/more",
        Sub() + "/providers/Microsoft.Compute/unknownThings"}) {
    SCOPED_TRACE(path);
    HttpResult r = Call("GET", Q(path, kGalleryApi));
    ExpectError(r, 404, "InvalidResourceType", {"No route matches"});
  }
  HttpResult post = Call("POST", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody());
  ExpectError(post, 405, "MethodNotAllowed", {"POST"});
  EXPECT_EQ(post.Header("Allow").value_or(""), "GET, PUT, PATCH, DELETE");
  ExpectError(Call("DELETE", Q(Sub() + "/resourceGroups", kRgApi)), 405, "MethodNotAllowed", {"DELETE"});
  ExpectError(Call("PUT", Q(Compute("rg1") + "/galleries", kGalleryApi), GalleryBody()), 405,
              "MethodNotAllowed", {"PUT"});
  ExpectError(Call("DELETE", Q(DefPath("def1") + "/versions/latest", kVersionApi)), 405,
              "MethodNotAllowed");
  EXPECT_EQ(Call("GET", Q(DefPath("def1"), kGalleryApi)).status, 200);
}

}  // namespace
}  // namespace gallery::testing
