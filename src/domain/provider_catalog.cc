#include "domain/provider_catalog.h"

#include "common/resource_id.h"

namespace gallery::domain {

const std::vector<ProviderInfo>& KnownProviders() {
  static const std::vector<ProviderInfo> kProviders = {
      {"Microsoft.Compute",
       true,
       {{"galleries", TypeRegions::kGalleryRegions},
        {"galleries/images", TypeRegions::kGalleryRegions},
        {"galleries/images/versions", TypeRegions::kGalleryRegions},
        {"images", TypeRegions::kAllRegions},
        {"locations", TypeRegions::kNone},
        {"locations/usages", TypeRegions::kAllRegions},
        {"locations/capsOperations", TypeRegions::kAllRegions},
        {"locations/operationResults", TypeRegions::kAllRegions}}},
      {"Microsoft.Features",
       false,
       {{"features", TypeRegions::kNone}, {"providers", TypeRegions::kNone}}},
      {"Microsoft.Insights", true, {{"eventtypes", TypeRegions::kNone}}},
      {"Microsoft.Resources",
       false,
       {{"subscriptions", TypeRegions::kNone},
        {"subscriptions/resourceGroups", TypeRegions::kAllRegions},
        {"subscriptions/providers", TypeRegions::kNone}}},
  };
  return kProviders;
}

const std::vector<FeatureInfo>& KnownFeatures() {
  static const std::vector<FeatureInfo> kFeatures = {
      {kGalleryPreviewProvider, kGalleryPreviewFeature},
  };
  return kFeatures;
}

Result<const ProviderInfo*> FindProvider(std::string_view name) {
  for (const ProviderInfo& p : KnownProviders()) {
    if (EqualsIgnoreCase(p.name, name)) {
      return &p;
    }
  }
  return Status::NotFound("The resource namespace '" + std::string(name) + "' is invalid.")
      .WithReason("InvalidResourceNamespace");
}

Result<const FeatureInfo*> FindFeature(std::string_view provider, std::string_view name) {
  GALLERY_RETURN_IF_ERROR(FindProvider(provider).status());
  for (const FeatureInfo& f : KnownFeatures()) {
    if (EqualsIgnoreCase(f.provider, provider) && EqualsIgnoreCase(f.name, name)) {
      return &f;
    }
  }
  return Status::NotFound("The feature '" + std::string(name) + "' could not be found.")
      .WithReason("FeatureNotFound");
}

}  // namespace gallery::domain
