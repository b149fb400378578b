#include "api/cloud_definition.h"

namespace gallery::api {

std::string WithTrailingSlash(std::string endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') {
    endpoint.pop_back();
  }
  return endpoint + "/";
}

nlohmann::json AzureCloudDefinition(const CloudEndpoints& cloud) {
  const std::string endpoint = WithTrailingSlash(cloud.endpoint);
  return {{"profile", "latest"},
          {"endpoints",
           {{"resourceManager", endpoint},
            {"activeDirectory", endpoint + "adfs"},
            {"activeDirectoryResourceId", cloud.arm_audience},
            {"activeDirectoryGraphResourceId", endpoint},
            {"microsoftGraphResourceId", endpoint},
            {"management", cloud.arm_audience}}},
          {"suffixes", {{"storageEndpoint", "core.gallery.local"}}}};
}

nlohmann::json MetadataEndpoints(const CloudEndpoints& cloud) {
  const std::string endpoint = WithTrailingSlash(cloud.endpoint);
  return {{"galleryEndpoint", endpoint},
          {"graphEndpoint", endpoint},
          {"portalEndpoint", endpoint},
          {"resourceManager", endpoint},
          {"microsoftGraphResourceId", endpoint},
          {"authentication",
           {{"loginEndpoint", endpoint + "adfs"},
            {"audiences", nlohmann::json::array({cloud.arm_audience})}}}};
}

}  // namespace gallery::api
