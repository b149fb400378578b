#pragma once
// The ARM paths and api-versions that `gallery` commands call (those of az 2.45, profile
// "latest"). Names are percent-encoded as path segments.

#include <string>
#include <string_view>

namespace gallery::cli {

namespace api {
inline constexpr std::string_view kSubscriptions = "2020-01-01";
inline constexpr std::string_view kResourceGroups = "2021-04-01";
inline constexpr std::string_view kGalleries = "2021-10-01";
inline constexpr std::string_view kImageDefinitions = "2021-10-01";
inline constexpr std::string_view kImageVersions = "2022-03-03";
inline constexpr std::string_view kManagedImages = "2022-11-01";
inline constexpr std::string_view kUsages = "2022-11-01";
inline constexpr std::string_view kSubscriptionAliases = "2021-10-01";
inline constexpr std::string_view kProviders = "2021-04-01";
inline constexpr std::string_view kFeatures = "2021-07-01";
inline constexpr std::string_view kActivityLog = "2015-04-01";
inline constexpr std::string_view kDisks = "2022-07-02";
}  // namespace api

// /subscriptions/{s}
std::string SubscriptionPath(std::string_view subscription);
// /subscriptions/{s}/resourceGroups/{rg}
std::string GroupPath(std::string_view subscription, std::string_view group);
// /subscriptions/{s}/providers/Microsoft.Compute
std::string ComputeSubscriptionPath(std::string_view subscription);
// /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute
std::string ComputeGroupPath(std::string_view subscription, std::string_view group);
// .../providers/Microsoft.Compute/galleries/{g}
std::string GalleryPath(std::string_view subscription, std::string_view group,
                        std::string_view gallery);
// .../galleries/{g}/images/{i}
std::string DefinitionPath(std::string_view subscription, std::string_view group,
                           std::string_view gallery, std::string_view definition);
// .../galleries/{g}/images/{i}/versions/{e}
std::string VersionPath(std::string_view subscription, std::string_view group,
                        std::string_view gallery, std::string_view definition,
                        std::string_view version);
// .../providers/Microsoft.Compute/images/{n}
std::string ManagedImagePath(std::string_view subscription, std::string_view group,
                             std::string_view image);

// .../providers/Microsoft.Compute/disks/{n}
std::string DiskPath(std::string_view subscription, std::string_view group, std::string_view disk);

}  // namespace gallery::cli
