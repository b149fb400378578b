#include "api/wire_registration.h"

#include <algorithm>

#include "api/api_versions.h"
#include "common/resource_id.h"

namespace gallery::api {

namespace {

// Which api-versions a provider's resource type accepts here.
ApiFamily FamilyOf(std::string_view provider, std::string_view type) {
  if (EqualsIgnoreCase(provider, "Microsoft.Compute")) {
    return type.rfind("galleries", 0) == 0 ? ApiFamily::kGallery : ApiFamily::kCompute;
  }
  if (EqualsIgnoreCase(provider, "Microsoft.Features")) {
    return ApiFamily::kFeatures;
  }
  if (EqualsIgnoreCase(provider, "Microsoft.Insights")) {
    return ApiFamily::kInsights;
  }
  return ApiFamily::kResources;
}

nlohmann::json Locations(domain::TypeRegions which, const domain::RegionCatalog& regions) {
  nlohmann::json out = nlohmann::json::array();
  for (const domain::Region& r : regions.regions()) {
    if (which == domain::TypeRegions::kAllRegions ||
        (which == domain::TypeRegions::kGalleryRegions && r.gallery_host)) {
      out.push_back(r.display_name);
    }
  }
  return out;
}

}  // namespace

nlohmann::json FeatureToWire(const std::string& subscription, const service::FeatureState& f) {
  return {
      {"id", "/subscriptions/" + subscription + "/providers/Microsoft.Features/providers/" +
                 std::string(f.feature->provider) + "/features/" + std::string(f.feature->name)},
      {"name", f.feature->FullName()},
      {"type", "Microsoft.Features/providers/features"},
      {"properties", {{"state", std::string(domain::ToString(f.state))}}}};
}

nlohmann::json ProviderToWire(const std::string& subscription, const service::ProviderState& p,
                              const domain::RegionCatalog& regions) {
  nlohmann::json types = nlohmann::json::array();
  for (const domain::ProviderResourceType& t : p.provider->types) {
    std::vector<std::string_view> versions =
        SupportedApiVersions(FamilyOf(p.provider->name, t.type));
    std::reverse(versions.begin(), versions.end());  // newest first, as ARM lists them
    nlohmann::json type = {{"resourceType", std::string(t.type)},
                           {"locations", Locations(t.regions, regions)},
                           {"apiVersions", versions},
                           {"capabilities", "None"}};
    if (!versions.empty()) {
      type["defaultApiVersion"] = versions.front();
    }
    types.push_back(std::move(type));
  }
  return {{"id", "/subscriptions/" + subscription + "/providers/" + std::string(p.provider->name)},
          {"namespace", std::string(p.provider->name)},
          {"registrationState", std::string(domain::ToString(p.state))},
          {"registrationPolicy",
           p.provider->registration_required ? "RegistrationRequired" : "RegistrationFree"},
          {"resourceTypes", std::move(types)}};
}

}  // namespace gallery::api
