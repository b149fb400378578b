#include "cli/arm_paths.h"

#include "client/url.h"

namespace gallery::cli {

std::string SubscriptionPath(std::string_view subscription) {
  return "/subscriptions/" + PercentEncode(subscription);
}

std::string GroupPath(std::string_view subscription, std::string_view group) {
  return SubscriptionPath(subscription) + "/resourceGroups/" + PercentEncode(group);
}

std::string ComputeSubscriptionPath(std::string_view subscription) {
  return SubscriptionPath(subscription) + "/providers/Microsoft.Compute";
}

std::string ComputeGroupPath(std::string_view subscription, std::string_view group) {
  return GroupPath(subscription, group) + "/providers/Microsoft.Compute";
}

std::string GalleryPath(std::string_view subscription, std::string_view group,
                        std::string_view gallery) {
  return ComputeGroupPath(subscription, group) + "/galleries/" + PercentEncode(gallery);
}

std::string DefinitionPath(std::string_view subscription, std::string_view group,
                           std::string_view gallery, std::string_view definition) {
  return GalleryPath(subscription, group, gallery) + "/images/" + PercentEncode(definition);
}

std::string VersionPath(std::string_view subscription, std::string_view group,
                        std::string_view gallery, std::string_view definition,
                        std::string_view version) {
  return DefinitionPath(subscription, group, gallery, definition) + "/versions/" +
         PercentEncode(version);
}

std::string ManagedImagePath(std::string_view subscription, std::string_view group,
                             std::string_view image) {
  return ComputeGroupPath(subscription, group) + "/images/" + PercentEncode(image);
}

std::string DiskPath(std::string_view subscription, std::string_view group, std::string_view disk) {
  return ComputeGroupPath(subscription, group) + "/disks/" + PercentEncode(disk);
}

}  // namespace gallery::cli
