#pragma once
// ArmRoute: what an ARM request path names. Fixed segments match case-insensitively (the Azure
// CLI sends `resourcegroups`); resource ids come out with ARM's canonical casing of the fixed
// segments and the names as the client wrote them.

#include <string>
#include <vector>

#include "common/resource_id.h"
#include "common/result.h"

namespace gallery::api {

enum class RouteKind {
  kTenants,                  // /tenants
  kSubscriptions,            // /subscriptions
  kSubscription,             // /subscriptions/{s}
  kLocations,                // /subscriptions/{s}/locations
  kResourceGroups,           // /subscriptions/{s}/resourceGroups
  kResourceGroup,            // .../resourceGroups/{rg}
  kMoveResources,            // .../resourceGroups/{rg}/moveResources (and validateMoveResources)
  kGalleriesInSubscription,  // /subscriptions/{s}/providers/Microsoft.Compute/galleries
  kImagesInSubscription,     // /subscriptions/{s}/providers/Microsoft.Compute/images
  kUsages,                   // .../providers/Microsoft.Compute/locations/{loc}/usages
  kOperationStatus,          // .../locations/{loc}/capsOperations/{id}
  kOperationResult,          // .../locations/{loc}/operationResults/{id}
  kGalleries,                // RG/providers/Microsoft.Compute/galleries
  kGallery,                  // .../galleries/{g}
  kGalleryImages,            // .../galleries/{g}/images
  kGalleryImage,             // .../images/{i}
  kGalleryImageVersions,     // .../images/{i}/versions
  kGalleryImageVersion,      // .../versions/{v}
  kLatestVersion,            // .../versions/latest
  kManagedImages,            // RG/providers/Microsoft.Compute/images
  kManagedImage,             // .../images/{name}

  // Exports (a Gallery extension): `id` is the image or version.
  kManagedImageBeginGetAccess,         // .../images/{name}/beginGetAccess
  kManagedImageEndGetAccess,           // .../images/{name}/endGetAccess
  kGalleryImageVersionBeginGetAccess,  // .../versions/{v}/beginGetAccess
  kGalleryImageVersionEndGetAccess,    // .../versions/{v}/endGetAccess

  kDisksInSubscription,      // /subscriptions/{s}/providers/Microsoft.Compute/disks
  kDisks,                    // RG/providers/Microsoft.Compute/disks
  kDisk,                     // .../disks/{name}
  kDiskBeginGetAccess,       // .../disks/{name}/beginGetAccess
  kDiskEndGetAccess,         // .../disks/{name}/endGetAccess
  kUnservedComputeResource,  // RG/providers/Microsoft.Compute/{virtualMachines|snapshots}/{n}
  // {scope}/providers/Microsoft.Authorization/...: `id` is the scope (a subscription, a
  // resource group, or a resource), `name` the assignment's or definition's GUID.
  kRoleAssignments,  // {scope}/providers/Microsoft.Authorization/roleAssignments
  kRoleAssignment,   // .../roleAssignments/{name}
  kRoleDefinitions,  // {scope}/providers/Microsoft.Authorization/roleDefinitions
  kRoleDefinition,   // .../roleDefinitions/{name}
  kProviders,                // /subscriptions/{s}/providers
  kProvider,                 // /subscriptions/{s}/providers/{ns}
  kProviderAction,           // /subscriptions/{s}/providers/{ns}/{register|unregister}
  kFeatures,                 // /subscriptions/{s}/providers/Microsoft.Features/features
  kProviderFeatures,         // .../Microsoft.Features/providers/{ns}/features
  kFeature,                  // .../Microsoft.Features/providers/{ns}/features/{name}
  kFeatureAction,            // .../features/{name}/{register|unregister}
  kActivityLog,  // /subscriptions/{s}/providers/microsoft.insights/eventtypes/management/values
};

struct ArmRoute {
  RouteKind kind = RouteKind::kSubscriptions;
  // The resource (or container) the route names; for subscription-level routes the
  // subscription id.
  ResourceId id;
  std::string location;      // kUsages, kOperation*
  std::string operation_id;  // kOperation*
  bool validate_only = false;  // kMoveResources: validateMoveResources
  std::string name;            // kRoleAssignment, kRoleDefinition
  std::string provider_namespace;  // kProvider*, kProviderFeatures, kFeature*: as written
  std::string feature_name;        // kFeature, kFeatureAction
  bool unregister = false;         // kProviderAction, kFeatureAction: unregister, not register
};

// NotFound (reason "InvalidResourceType" / "NotFound") when the path names nothing this
// server serves.
Result<ArmRoute> MatchRoute(const std::vector<std::string>& segments);

}  // namespace gallery::api
