#include "api/arm_route.h"

#include <optional>

namespace gallery::api {

namespace {

bool Is(const std::string& segment, std::string_view word) {
  return EqualsIgnoreCase(segment, word);
}

Status NoRoute(const std::vector<std::string>& segments) {
  std::string path;
  for (const std::string& s : segments) {
    path += "/" + s;
  }
  return Status::NotFound("No route matches '" + path +
                          "': this server serves Microsoft.Compute galleries, image definitions, "
                          "image versions and images, and Microsoft.Resources groups.")
      .WithReason("InvalidResourceType");
}

// Routes below /subscriptions/{s}/providers/Microsoft.Compute (segments from index 4 on).
Result<ArmRoute> SubscriptionProviderRoute(const std::vector<std::string>& p,
                                           const std::string& sub) {
  ArmRoute r;
  r.id = ResourceId::ForSubscription(sub);
  const size_t n = p.size();
  if (n == 5 && Is(p[4], "galleries")) {
    r.kind = RouteKind::kGalleriesInSubscription;
    return r;
  }
  if (n == 5 && Is(p[4], "images")) {
    r.kind = RouteKind::kImagesInSubscription;
    return r;
  }
  if (n == 5 && Is(p[4], "disks")) {
    r.kind = RouteKind::kDisksInSubscription;
    return r;
  }
  if (n >= 7 && Is(p[4], "locations")) {
    r.location = p[5];
    if (n == 7 && Is(p[6], "usages")) {
      r.kind = RouteKind::kUsages;
      return r;
    }
    if (n == 8 && (Is(p[6], "capsOperations") || Is(p[6], "operations"))) {
      r.kind = RouteKind::kOperationStatus;
      r.operation_id = p[7];
      return r;
    }
    if (n == 8 && Is(p[6], "operationResults")) {
      r.kind = RouteKind::kOperationResult;
      r.operation_id = p[7];
      return r;
    }
  }
  return NoRoute(p);
}

bool IsAccessAction(const std::string& segment) {
  return Is(segment, "beginGetAccess") || Is(segment, "endGetAccess");
}

// Routes below /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute (index 6 on).
Result<ArmRoute> GroupProviderRoute(const std::vector<std::string>& p, const std::string& sub,
                                    const std::string& rg) {
  ArmRoute r;
  const size_t n = p.size();
  auto compute = [&](std::vector<ResourceId::Segment> segs) {
    return ResourceId::ForResource(sub, rg, "Microsoft.Compute", std::move(segs));
  };
  if (Is(p[6], "galleries")) {
    // .../versions/{v}/beginGetAccess|endGetAccess: the version's exports.
    if (n == 13 && Is(p[10], "versions") && IsAccessAction(p[12])) {
      GALLERY_ASSIGN_OR_RETURN(
          r, GroupProviderRoute(std::vector<std::string>(p.begin(), p.end() - 1), sub, rg));
      if (r.kind != RouteKind::kGalleryImageVersion) {
        return NoRoute(p);
      }
      r.kind = Is(p[12], "beginGetAccess") ? RouteKind::kGalleryImageVersionBeginGetAccess
                                           : RouteKind::kGalleryImageVersionEndGetAccess;
      return r;
    }
    static constexpr RouteKind kByDepth[] = {
        RouteKind::kGalleries,    RouteKind::kGallery,
        RouteKind::kGalleryImages, RouteKind::kGalleryImage,
        RouteKind::kGalleryImageVersions, RouteKind::kGalleryImageVersion};
    static constexpr const char* kTypes[] = {"galleries", "images", "versions"};
    // p[6..] alternates type/name: galleries/{g}/images/{i}/versions/{v}
    std::vector<ResourceId::Segment> segs;
    for (size_t i = 6; i < n; i += 2) {
      const size_t level = (i - 6) / 2;
      if (level >= 3 || !Is(p[i], kTypes[level])) {
        return NoRoute(p);
      }
      if (i + 1 < n) {
        segs.push_back({kTypes[level], p[i + 1]});
      }
    }
    const size_t depth = n - 6;  // 1 .. 6
    if (depth > 6) {
      return NoRoute(p);
    }
    r.kind = kByDepth[depth - 1];
    // A collection (odd depth) is named by its parent's id; an item by its own.
    r.id = segs.empty() ? ResourceId::ForResourceGroup(sub, rg) : compute(segs);
    if (r.kind == RouteKind::kGalleryImageVersion && Is(p[n - 1], "latest")) {
      r.kind = RouteKind::kLatestVersion;
      r.id = r.id.Parent();
    }
    return r;
  }
  if (Is(p[6], "images") && (n <= 8 || (n == 9 && IsAccessAction(p[8])))) {
    if (n == 7) {
      r.kind = RouteKind::kManagedImages;
      r.id = ResourceId::ForResourceGroup(sub, rg);
    } else {
      r.kind = n == 8                       ? RouteKind::kManagedImage
               : Is(p[8], "beginGetAccess") ? RouteKind::kManagedImageBeginGetAccess
                                            : RouteKind::kManagedImageEndGetAccess;
      r.id = compute({{"images", p[7]}});
    }
    return r;
  }
  if (Is(p[6], "disks") && n <= 9) {
    r.kind = RouteKind::kDisks;
    r.id = ResourceId::ForResourceGroup(sub, rg);
    if (n >= 8) {
      r.kind = RouteKind::kDisk;
      r.id = compute({{"disks", p[7]}});
    }
    if (n == 9) {
      if (Is(p[8], "beginGetAccess")) {
        r.kind = RouteKind::kDiskBeginGetAccess;
      } else if (Is(p[8], "endGetAccess")) {
        r.kind = RouteKind::kDiskEndGetAccess;
      } else {
        return NoRoute(p);
      }
    }
    return r;
  }
  if (n == 8) {
    // The type is a fixed segment: ids carry ARM's casing of it, not the client's.
    for (const char* type : {"virtualMachines", "snapshots"}) {
      if (Is(p[6], type)) {
        r.kind = RouteKind::kUnservedComputeResource;
        r.id = compute({{type, p[7]}});
        return r;
      }
    }
  }
  return NoRoute(p);
}

// {scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}], where
// the scope is any resource id; nullopt when the path has no Microsoft.Authorization provider.
std::optional<Result<ArmRoute>> AuthorizationRoute(const std::vector<std::string>& p) {
  const size_t n = p.size();
  for (size_t k = 2; k + 2 < n; k += 2) {
    if (!Is(p[k], "providers") || !Is(p[k + 1], "Microsoft.Authorization")) {
      continue;
    }
    std::string scope;
    for (size_t i = 0; i < k; ++i) {
      scope += "/" + p[i];
    }
    Result<ResourceId> id = ResourceId::Parse(scope);
    if (!id.ok() || n > k + 4) {
      return Result<ArmRoute>(NoRoute(p));
    }
    ArmRoute r;
    r.id = std::move(*id);
    const bool item = n == k + 4;
    if (Is(p[k + 2], "roleAssignments")) {
      r.kind = item ? RouteKind::kRoleAssignment : RouteKind::kRoleAssignments;
    } else if (Is(p[k + 2], "roleDefinitions")) {
      r.kind = item ? RouteKind::kRoleDefinition : RouteKind::kRoleDefinitions;
    } else {
      return Result<ArmRoute>(NoRoute(p));
    }
    if (item) {
      r.name = p[k + 3];
    }
    return Result<ArmRoute>(std::move(r));
  }
  return std::nullopt;
}

bool IsRegistrationAction(const std::string& segment, bool* unregister) {
  *unregister = Is(segment, "unregister");
  return *unregister || Is(segment, "register");
}

// Routes below /subscriptions/{s}/providers that are not Microsoft.Compute's: resource
// providers, Microsoft.Features and the activity log. nullopt when none matches.
std::optional<ArmRoute> PlatformRoute(const std::vector<std::string>& p, const std::string& sub) {
  ArmRoute r;
  r.id = ResourceId::ForSubscription(sub);
  const size_t n = p.size();
  if (n == 3) {
    r.kind = RouteKind::kProviders;
    return r;
  }
  r.provider_namespace = p[3];
  if (n == 4) {
    r.kind = RouteKind::kProvider;
    return r;
  }
  if (n == 5 && IsRegistrationAction(p[4], &r.unregister)) {
    r.kind = RouteKind::kProviderAction;
    return r;
  }
  if (n == 7 && Is(p[3], "microsoft.insights") && Is(p[4], "eventtypes") &&
      Is(p[5], "management") && Is(p[6], "values")) {
    r.kind = RouteKind::kActivityLog;
    return r;
  }
  if (!Is(p[3], "Microsoft.Features")) {
    return std::nullopt;
  }
  if (n == 5 && Is(p[4], "features")) {
    r.kind = RouteKind::kFeatures;
    r.provider_namespace.clear();  // every provider's features
    return r;
  }
  if (n < 7 || !Is(p[4], "providers") || !Is(p[6], "features")) {
    return std::nullopt;
  }
  r.provider_namespace = p[5];
  if (n == 7) {
    r.kind = RouteKind::kProviderFeatures;
    return r;
  }
  r.feature_name = p[7];
  if (n == 8) {
    r.kind = RouteKind::kFeature;
    return r;
  }
  if (n == 9 && IsRegistrationAction(p[8], &r.unregister)) {
    r.kind = RouteKind::kFeatureAction;
    return r;
  }
  return std::nullopt;
}

}  // namespace

Result<ArmRoute> MatchRoute(const std::vector<std::string>& p) {
  const size_t n = p.size();
  if (n == 1 && Is(p[0], "tenants")) {
    ArmRoute tenants;
    tenants.kind = RouteKind::kTenants;
    return tenants;
  }
  if (n == 0 || !Is(p[0], "subscriptions")) {
    return NoRoute(p);
  }
  if (std::optional<Result<ArmRoute>> authorization = AuthorizationRoute(p)) {
    return std::move(*authorization);
  }
  ArmRoute r;
  if (n == 1) {
    r.kind = RouteKind::kSubscriptions;
    return r;
  }
  const std::string& sub = p[1];
  r.id = ResourceId::ForSubscription(sub);
  if (n == 2) {
    r.kind = RouteKind::kSubscription;
    return r;
  }
  if (n == 3 && Is(p[2], "locations")) {
    r.kind = RouteKind::kLocations;
    return r;
  }
  if (Is(p[2], "providers")) {
    if (std::optional<ArmRoute> platform = PlatformRoute(p, sub)) {
      return *platform;
    }
    if (n >= 5 && Is(p[3], "Microsoft.Compute")) {
      return SubscriptionProviderRoute(p, sub);
    }
    return NoRoute(p);
  }
  if (!Is(p[2], "resourceGroups")) {
    return NoRoute(p);
  }
  if (n == 3) {
    r.kind = RouteKind::kResourceGroups;
    return r;
  }
  const std::string& rg = p[3];
  r.id = ResourceId::ForResourceGroup(sub, rg);
  if (n == 4) {
    r.kind = RouteKind::kResourceGroup;
    return r;
  }
  if (n == 5 && (Is(p[4], "moveResources") || Is(p[4], "validateMoveResources"))) {
    r.kind = RouteKind::kMoveResources;
    r.validate_only = Is(p[4], "validateMoveResources");
    return r;
  }
  if (n >= 7 && Is(p[4], "providers") && Is(p[5], "Microsoft.Compute")) {
    return GroupProviderRoute(p, sub, rg);
  }
  return NoRoute(p);
}

}  // namespace gallery::api
