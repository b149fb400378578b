// Resource provider and preview feature registration as az 2.45 drives it (az provider
// register/show/list: Microsoft.Resources api 2021-04-01; az feature register/show/list:
// Microsoft.Features api 2021-07-01), and the requireFeatureRegistration switch.

#include <algorithm>
#include <map>

#include "arm_test_fixture.h"
#include "client/url.h"
#include "common/time.h"

namespace gallery::testing {
namespace {

constexpr char kProvidersApi[] = "2021-04-01";
constexpr char kFeaturesApi[] = "2021-07-01";

class RegistrationTest : public ArmFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  std::string Providers() const { return Sub() + "/providers"; }
  std::string Features(const std::string& ns = "Microsoft.Compute") const {
    return Sub() + "/providers/Microsoft.Features/providers/" + ns + "/features";
  }
  std::string GalleryPreview() const { return Features() + "/GalleryPreview"; }

  // Polls `url` until `field` (a JSON pointer) reads `want`.
  json WaitFor(const std::string& url, const std::string& pointer, const std::string& want) {
    json last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      last = Body(Call("GET", url));
      if (last.is_object() && last.value(json::json_pointer(pointer), "") == want) {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << url << " never had " << pointer << " = " << want << ": " << last.dump();
    return last;
  }
};

TEST_F(RegistrationTest, ComputeProviderDocumentListsTheGalleryTypes) {
  HttpResult r = Call("GET", Q(Providers() + "/microsoft.compute", kProvidersApi));
  ASSERT_EQ(r.status, 200) << r.body;
  json p = Body(r);
  EXPECT_EQ(p["id"], Providers() + "/Microsoft.Compute");
  EXPECT_EQ(p["namespace"], "Microsoft.Compute");
  EXPECT_EQ(p["registrationState"], "NotRegistered");
  EXPECT_EQ(p["registrationPolicy"], "RegistrationRequired");
  std::map<std::string, json> types;
  for (const json& t : p["resourceTypes"]) {
    types[t["resourceType"]] = t;
  }
  for (const char* type : {"galleries", "galleries/images", "galleries/images/versions", "images",
                           "locations", "locations/usages"}) {
    ASSERT_TRUE(types.count(type)) << type << ": " << p.dump();
  }
  const json& versions = types["galleries/images/versions"]["apiVersions"];
  EXPECT_NE(std::find(versions.begin(), versions.end(), "2022-03-03"), versions.end());
  const json& locations = types["galleries"]["locations"];
  EXPECT_NE(std::find(locations.begin(), locations.end(), "South Central US"), locations.end());
  EXPECT_EQ(std::find(locations.begin(), locations.end(), "East US"), locations.end());
}

TEST_F(RegistrationTest, ProviderRegisterAnswersTheProviderAndIsKeptAcrossRestarts) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"features": {"registrationDelayMs": 300}})"));
  HttpResult reg = Call("POST", Q(Providers() + "/Microsoft.Compute/register", kProvidersApi));
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(Body(reg)["registrationState"], "Registering");
  EXPECT_EQ(Body(reg)["namespace"], "Microsoft.Compute");
  // What azure-mgmt-core's automatic registration polls (api 2016-02-01).
  WaitFor(Q(Providers() + "/Microsoft.Compute", "2016-02-01"), "/registrationState", "Registered");
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"features": {"registrationDelayMs": 300}})"));
  HttpResult list = Call("GET", Q(Providers(), kProvidersApi));
  ASSERT_EQ(list.status, 200) << list.body;
  bool found = false;
  const json providers = Body(list);
  for (const json& p : providers["value"]) {
    if (p["namespace"] == "Microsoft.Compute") {
      found = true;
      EXPECT_EQ(p["registrationState"], "Registered");
    }
    if (p["namespace"] == "Microsoft.Features") {
      EXPECT_EQ(p["registrationState"], "Registered");  // needs no registration
    }
  }
  EXPECT_TRUE(found) << list.body;
  HttpResult unreg = Call("POST", Q(Providers() + "/Microsoft.Compute/unregister", kProvidersApi));
  ASSERT_EQ(unreg.status, 200) << unreg.body;
  EXPECT_EQ(Body(unreg)["registrationState"], "Unregistering");
}

TEST_F(RegistrationTest, FeatureRegistrationGoesThroughRegistering) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"features": {"registrationDelayMs": 300}})"));
  HttpResult before = Call("GET", Q(GalleryPreview(), kFeaturesApi));
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(Body(before)["properties"]["state"], "NotRegistered");
  HttpResult reg = Call("POST", Q(GalleryPreview() + "/register", kFeaturesApi));
  ASSERT_EQ(reg.status, 200) << reg.body;
  json f = Body(reg);
  EXPECT_EQ(f["properties"]["state"], "Registering");
  EXPECT_EQ(f["name"], "Microsoft.Compute/GalleryPreview");
  EXPECT_EQ(f["type"], "Microsoft.Features/providers/features");
  EXPECT_EQ(f["id"], GalleryPreview());
  WaitFor(Q(GalleryPreview(), kFeaturesApi), "/properties/state", "Registered");
  for (const std::string& url :
       {Q(Features(), kFeaturesApi),
        Q(Sub() + "/providers/Microsoft.Features/features", kFeaturesApi)}) {
    HttpResult list = Call("GET", url);
    ASSERT_EQ(list.status, 200) << list.body;
    json value = Body(list)["value"];
    ASSERT_EQ(value.size(), 1u) << list.body;
    EXPECT_EQ(value[0]["properties"]["state"], "Registered");
  }
}

TEST_F(RegistrationTest, UnknownNamesMethodsAndVersionsGetAzuresErrors) {
  ExpectError(Call("GET", Q(Providers() + "/Contoso.Widgets", kProvidersApi)), 404,
              "InvalidResourceNamespace", {"The resource namespace 'Contoso.Widgets' is invalid."});
  ExpectError(Call("POST", Q(Providers() + "/Contoso.Widgets/register", kProvidersApi)), 404,
              "InvalidResourceNamespace");
  ExpectError(Call("POST", Q(Features() + "/NoSuchFeature/register", kFeaturesApi)), 404,
              "FeatureNotFound", {"The feature 'NoSuchFeature' could not be found."});
  ExpectError(Call("GET", Q(Features("Contoso.Widgets"), kFeaturesApi)), 404,
              "InvalidResourceNamespace");
  ExpectError(Call("GET", Q(GalleryPreview() + "/register", kFeaturesApi)), 405,
              "MethodNotAllowed");
  ExpectError(Call("PUT", Q(Providers() + "/Microsoft.Compute", kProvidersApi), json::object()),
              405, "MethodNotAllowed");
  ExpectError(Call("GET", Q(GalleryPreview(), kProvidersApi)), 400, "InvalidApiVersionParameter",
              {"2021-07-01"});
  ExpectError(Call("GET", GalleryPreview()), 400, "MissingApiVersionParameter");
  ExpectError(Call("GET", Q("/subscriptions/00000000-0000-0000-0000-000000000000/providers",
                            kProvidersApi)),
              404, "SubscriptionNotFound");
}

TEST_F(RegistrationTest, RequiredFeatureRefusesGalleriesUntilRegistered) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"requireFeatureRegistration": true})"));
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  HttpResult refused = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody());
  ExpectError(refused, 400, "SubscriptionNotRegisteredForFeature",
              {"az feature register --namespace Microsoft.Compute --name GalleryPreview"});
  ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  ASSERT_EQ(Call("POST", Q(GalleryPreview() + "/register", kFeaturesApi)).status, 200);
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
  // The registration is durable: after a restart galleries may still be created.
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"requireFeatureRegistration": true})"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("gal2"));
}

TEST_F(RegistrationTest, WithoutTheSwitchGalleriesNeedNoRegistration) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_NO_FATAL_FAILURE(CreateGallery());
}

TEST_F(RegistrationTest, RegistrationsAreInTheActivityLog) {
  ASSERT_EQ(Call("POST", Q(GalleryPreview() + "/register", kFeaturesApi)).status, 200);
  json found;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (found.is_null() && std::chrono::steady_clock::now() < deadline) {
    const TimestampMs now = SystemClock().Now();
    const std::string range = "eventTimestamp ge '" + FormatTimestamp(now - 3600000) +
                              "' and eventTimestamp le '" + FormatTimestamp(now + 60000) + "'";
    HttpResult r = Call("GET", Sub() +
                                   "/providers/microsoft.insights/eventtypes/management/"
                                   "values?api-version=2015-04-01&$filter=" +
                                   PercentEncode(range));
    ASSERT_EQ(r.status, 200) << r.body;
    const json page = Body(r);
    for (const json& e : page["value"]) {
      if (e["operationName"]["value"] == "Microsoft.Features/providers/features/register/action") {
        found = e;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(found.is_null());
  EXPECT_EQ(found["status"]["value"], "Succeeded");
  EXPECT_EQ(found["resourceId"], GalleryPreview());
}

}  // namespace
}  // namespace gallery::testing
