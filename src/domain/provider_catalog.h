#pragma once
// The resource providers and preview features this server knows, for `az provider ...` and
// `az feature ...`. Names compare case-insensitively; lookups return the canonical casing.
//
// Unknown names are errors as Azure words them:
//   provider: NotFound, reason "InvalidResourceNamespace",
//             "The resource namespace 'X' is invalid."
//   feature:  NotFound, reason "FeatureNotFound", "The feature 'X' could not be found."

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::domain {

// Which regions a resource type lists (from the region catalog).
enum class TypeRegions { kNone, kGalleryRegions, kAllRegions };

struct ProviderResourceType {
  std::string_view type;  // "galleries/images"
  TypeRegions regions = TypeRegions::kNone;
};

struct ProviderInfo {
  std::string_view name;  // "Microsoft.Compute"
  // RegistrationRequired providers start NotRegistered in a subscription; RegistrationFree
  // ones are Registered without a request.
  bool registration_required = true;
  std::vector<ProviderResourceType> types;
};

struct FeatureInfo {
  std::string_view provider;  // "Microsoft.Compute"
  std::string_view name;      // "GalleryPreview"
  std::string FullName() const { return std::string(provider) + "/" + std::string(name); }
};

// The preview feature that `requireFeatureRegistration` asks for before galleries are created.
inline constexpr std::string_view kGalleryPreviewProvider = "Microsoft.Compute";
inline constexpr std::string_view kGalleryPreviewFeature = "GalleryPreview";

const std::vector<ProviderInfo>& KnownProviders();
const std::vector<FeatureInfo>& KnownFeatures();

Result<const ProviderInfo*> FindProvider(std::string_view name);
// InvalidResourceNamespace for an unknown provider, FeatureNotFound for an unknown feature.
Result<const FeatureInfo*> FindFeature(std::string_view provider, std::string_view name);

}  // namespace gallery::domain
