// Routes, api-versions and wire shapes of the activity log, features and providers.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "api/api_versions.h"
#include "api/arm_route.h"
#include "api/url.h"
#include "api/wire_activity.h"
#include "api/wire_registration.h"

namespace gallery::api {
namespace {

constexpr char kSub[] = "11111111-2222-3333-4444-555555555555";
const std::string kProviders = std::string("/subscriptions/") + kSub + "/providers";

ArmRoute Match(const std::string& path) {
  Result<Target> target = ParseTarget(path);
  EXPECT_TRUE(target.ok());
  Result<ArmRoute> r = MatchRoute(target->segments);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : ArmRoute{};
}

TEST(PlatformRouteTest, ProviderRoutes) {
  EXPECT_EQ(Match(kProviders).kind, RouteKind::kProviders);
  ArmRoute show = Match(kProviders + "/microsoft.compute");
  EXPECT_EQ(show.kind, RouteKind::kProvider);
  EXPECT_EQ(show.provider_namespace, "microsoft.compute");
  EXPECT_EQ(show.id.subscription(), kSub);
  ArmRoute reg = Match(kProviders + "/Microsoft.Compute/register");
  EXPECT_EQ(reg.kind, RouteKind::kProviderAction);
  EXPECT_FALSE(reg.unregister);
  EXPECT_TRUE(Match(kProviders + "/Microsoft.Compute/Unregister").unregister);
}

TEST(PlatformRouteTest, FeatureRoutes) {
  ArmRoute all = Match(kProviders + "/Microsoft.Features/features");
  EXPECT_EQ(all.kind, RouteKind::kFeatures);
  EXPECT_TRUE(all.provider_namespace.empty());
  const std::string compute = kProviders + "/Microsoft.Features/providers/Microsoft.Compute";
  ArmRoute list = Match(compute + "/features");
  EXPECT_EQ(list.kind, RouteKind::kProviderFeatures);
  EXPECT_EQ(list.provider_namespace, "Microsoft.Compute");
  ArmRoute one = Match(compute + "/features/GalleryPreview");
  EXPECT_EQ(one.kind, RouteKind::kFeature);
  EXPECT_EQ(one.feature_name, "GalleryPreview");
  ArmRoute reg = Match(compute + "/features/GalleryPreview/register");
  EXPECT_EQ(reg.kind, RouteKind::kFeatureAction);
  EXPECT_FALSE(reg.unregister);
  EXPECT_TRUE(Match(compute + "/features/GalleryPreview/unregister").unregister);
}

TEST(PlatformRouteTest, ActivityLogRouteAnyCasing) {
  EXPECT_EQ(Match(kProviders + "/microsoft.insights/eventtypes/management/values").kind,
            RouteKind::kActivityLog);
  EXPECT_EQ(Match(kProviders + "/Microsoft.Insights/eventTypes/management/values").kind,
            RouteKind::kActivityLog);
}

TEST(PlatformRouteTest, OtherPathsStillMatchComputeOrNothing) {
  EXPECT_EQ(Match(kProviders + "/Microsoft.Compute/galleries").kind,
            RouteKind::kGalleriesInSubscription);
  for (const std::string& bad :
       {kProviders + "/Microsoft.Features/providers/Microsoft.Compute/features/G/delete",
        kProviders + "/Microsoft.Features/other", kProviders + "/Contoso.Widgets/things",
        kProviders + "/microsoft.insights/eventtypes/management"}) {
    Result<ArmRoute> r = MatchRoute(ParseTarget(bad)->segments);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "InvalidResourceType") << bad;
  }
}

TEST(PlatformApiVersionTest, FeaturesAndTheActivityLogHaveTheirOwnVersions) {
  EXPECT_TRUE(CheckApiVersion(ApiFamily::kFeatures, "2021-07-01").ok());
  EXPECT_TRUE(CheckApiVersion(ApiFamily::kFeatures, "2015-12-01").ok());
  Status bad = CheckApiVersion(ApiFamily::kFeatures, "2021-04-01");
  EXPECT_EQ(bad.reason(), "InvalidApiVersionParameter");
  EXPECT_NE(bad.message().find("2021-07-01"), std::string::npos);
  EXPECT_TRUE(CheckApiVersion(ApiFamily::kInsights, "2015-04-01").ok());
  EXPECT_EQ(CheckApiVersion(ApiFamily::kInsights, "2021-04-01").reason(),
            "InvalidApiVersionParameter");
  EXPECT_EQ(CheckApiVersion(ApiFamily::kInsights, "").reason(), "MissingApiVersionParameter");
  std::vector<std::string_view> gallery = SupportedApiVersions(ApiFamily::kGallery);
  EXPECT_EQ(gallery.front(), "2018-06-01");
  EXPECT_EQ(gallery.back(), "2025-03-03");
}

domain::ActivityEvent SampleEvent() {
  domain::ActivityEvent e;
  e.event_id = "ev1";
  e.tenant_id = "t1";
  e.subscription = "s1";
  e.caller_object_id = "oid1";
  e.caller_name = "alice@contoso.example";
  e.action = "Microsoft.Compute/galleries/write";
  e.scope = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1";
  e.resource_group = "rg1";
  e.status = domain::ActivityStatus::kFailed;
  e.http_status = 409;
  e.correlation_id = "corr";
  e.client_request_id = "client";
  e.http_method = "PUT";
  e.client_address = "10.0.0.1";
  e.error_code = "Conflict";
  e.error_message = "it exists";
  e.event_time = 1'800'000'000'000;
  e.submission_time = 1'800'000'000'250;
  return e;
}

TEST(WireActivityTest, RendersAzuresEventDataShape) {
  nlohmann::json j = ActivityEventToWire(SampleEvent(), {});
  EXPECT_EQ(j["authorization"]["action"], "Microsoft.Compute/galleries/write");
  EXPECT_EQ(j["authorization"]["scope"], SampleEvent().scope);
  EXPECT_EQ(j["caller"], "alice@contoso.example");
  EXPECT_EQ(j["claims"]["http://schemas.microsoft.com/identity/claims/objectidentifier"], "oid1");
  EXPECT_EQ(j["correlationId"], "corr");
  EXPECT_EQ(j["eventDataId"], "ev1");
  EXPECT_EQ(j["eventTimestamp"], "2027-01-15T08:00:00+00:00");
  EXPECT_EQ(j["submissionTimestamp"], "2027-01-15T08:00:00.250+00:00");
  EXPECT_EQ(j["operationName"]["value"], "Microsoft.Compute/galleries/write");
  EXPECT_EQ(j["operationName"]["localizedValue"], "Microsoft.Compute/galleries/write");
  EXPECT_EQ(j["status"]["value"], "Failed");
  EXPECT_EQ(j["subStatus"]["value"], "Conflict");
  EXPECT_EQ(j["subStatus"]["localizedValue"], "Conflict (HTTP Status Code: 409)");
  EXPECT_EQ(j["resourceId"], SampleEvent().scope);
  EXPECT_EQ(j["resourceGroupName"], "rg1");
  EXPECT_EQ(j["resourceProviderName"]["value"], "Microsoft.Compute");
  EXPECT_EQ(j["resourceType"]["value"], "Microsoft.Compute/galleries");
  EXPECT_EQ(j["subscriptionId"], "s1");
  EXPECT_EQ(j["tenantId"], "t1");
  EXPECT_EQ(j["level"], "Error");
  EXPECT_EQ(j["category"]["value"], "Administrative");
  EXPECT_EQ(j["httpRequest"]["clientRequestId"], "client");
  EXPECT_EQ(j["httpRequest"]["method"], "PUT");
  EXPECT_EQ(j["httpRequest"]["clientIpAddress"], "10.0.0.1");
  EXPECT_EQ(j["properties"]["statusCode"], "Conflict");
  EXPECT_EQ(j["properties"]["httpStatusCode"], "409");
  nlohmann::json message =
      nlohmann::json::parse(j["properties"]["statusMessage"].get<std::string>());
  EXPECT_EQ(message["error"]["code"], "Conflict");
  EXPECT_EQ(j["operationId"], "ev1");  // no long-running operation: the event's own id
}

TEST(WireActivityTest, SelectKeepsOnlyTheNamedProperties) {
  nlohmann::json j = ActivityEventToWire(SampleEvent(), {"caller", "status"});
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["caller"], "alice@contoso.example");
}

TEST(WireActivityTest, StartedEventsAreInformationalAndNameTheirOperation) {
  domain::ActivityEvent e = SampleEvent();
  e.status = domain::ActivityStatus::kStarted;
  e.http_status = 201;
  e.operation_id = "op1";
  e.error_code.clear();
  e.caller_name.clear();
  nlohmann::json j = ActivityEventToWire(e, {});
  EXPECT_EQ(j["level"], "Informational");
  EXPECT_EQ(j["operationId"], "op1");
  EXPECT_EQ(j["subStatus"]["value"], "Created");
  EXPECT_EQ(j["eventName"]["value"], "BeginRequest");
  EXPECT_EQ(j["caller"], "oid1");
  EXPECT_FALSE(j["properties"].contains("statusMessage"));
}

TEST(WireActivityTest, AnActionsResourceTypeIsWhatItActsOn) {
  domain::ActivityEvent e = SampleEvent();
  e.action = "Microsoft.Features/providers/features/register/action";
  nlohmann::json j = ActivityEventToWire(e, {});
  EXPECT_EQ(j["resourceType"]["value"], "Microsoft.Features/providers/features");
  EXPECT_EQ(j["resourceProviderName"]["value"], "Microsoft.Features");
}

TEST(WireActivityTest, HttpStatusNamesHaveNoSpaces) {
  EXPECT_EQ(HttpStatusName(200), "OK");
  EXPECT_EQ(HttpStatusName(204), "NoContent");
  EXPECT_EQ(HttpStatusName(401), "Unauthorized");
  EXPECT_EQ(HttpStatusName(404), "NotFound");
  EXPECT_EQ(HttpStatusName(0), "");
}

TEST(WireRegistrationTest, FeatureShapeIsMicrosoftFeatures) {
  const domain::FeatureInfo* f = *domain::FindFeature("Microsoft.Compute", "GalleryPreview");
  nlohmann::json j =
      FeatureToWire("s1", service::FeatureState{f, domain::RegistrationState::kRegistering});
  EXPECT_EQ(j["id"],
            "/subscriptions/s1/providers/Microsoft.Features/providers/Microsoft.Compute/features/"
            "GalleryPreview");
  EXPECT_EQ(j["name"], "Microsoft.Compute/GalleryPreview");
  EXPECT_EQ(j["type"], "Microsoft.Features/providers/features");
  EXPECT_EQ(j["properties"]["state"], "Registering");
}

TEST(WireRegistrationTest, ComputeProviderListsGalleryTypesWithRegionsAndApiVersions) {
  const domain::ProviderInfo* p = *domain::FindProvider("Microsoft.Compute");
  domain::RegionCatalog regions = domain::RegionCatalog::Default();
  nlohmann::json j = ProviderToWire(
      "s1", service::ProviderState{p, domain::RegistrationState::kNotRegistered}, regions);
  EXPECT_EQ(j["id"], "/subscriptions/s1/providers/Microsoft.Compute");
  EXPECT_EQ(j["namespace"], "Microsoft.Compute");
  EXPECT_EQ(j["registrationState"], "NotRegistered");
  EXPECT_EQ(j["registrationPolicy"], "RegistrationRequired");
  const nlohmann::json* galleries = nullptr;
  const nlohmann::json* images = nullptr;
  for (const nlohmann::json& t : j["resourceTypes"]) {
    if (t["resourceType"] == "galleries") {
      galleries = &t;
    }
    if (t["resourceType"] == "images") {
      images = &t;
    }
  }
  ASSERT_NE(galleries, nullptr);
  ASSERT_NE(images, nullptr);
  EXPECT_EQ((*galleries)["locations"].size(), 5u);  // the five gallery regions
  EXPECT_EQ((*galleries)["apiVersions"][0], "2025-03-03");
  EXPECT_NE(std::find((*galleries)["apiVersions"].begin(), (*galleries)["apiVersions"].end(),
                      "2021-10-01"),
            (*galleries)["apiVersions"].end());
  EXPECT_EQ((*images)["locations"].size(), regions.regions().size());
  EXPECT_NE(
      std::find((*images)["apiVersions"].begin(), (*images)["apiVersions"].end(), "2022-11-01"),
      (*images)["apiVersions"].end());
}

}  // namespace
}  // namespace gallery::api
