#pragma once
// How clients find this server's endpoints: the Azure CLI cloud definition that galleryd
// writes to DATA_DIR/azure-cloud.json (`az cloud register -n gallery --cloud-config @FILE`), and
// the ARM metadata document served at GET /metadata/endpoints.
//
// The authority is ADFS-shaped (`<endpoint>adfs`): the only shape with which the Azure CLI logs
// in without calling login.microsoftonline.com. The Graph resource id is the endpoint itself,
// because az uses it both as the Graph base URL and as the Graph token audience.

#include <nlohmann/json.hpp>
#include <string>

namespace gallery::api {

struct CloudEndpoints {
  std::string endpoint;      // "https://127.0.0.1:8443/" (with the trailing slash)
  std::string arm_audience;  // the ARM token audience (activeDirectoryResourceId)
};

// {"profile":"latest","endpoints":{"resourceManager","activeDirectory","activeDirectoryResourceId",
//  "activeDirectoryGraphResourceId","microsoftGraphResourceId","management"},"suffixes":{...}}
nlohmann::json AzureCloudDefinition(const CloudEndpoints& cloud);

// The single-cloud metadata document ({"galleryEndpoint","graphEndpoint","portalEndpoint",
// "authentication":{"loginEndpoint","audiences"}}) plus "resourceManager" and
// "microsoftGraphResourceId".
nlohmann::json MetadataEndpoints(const CloudEndpoints& cloud);

// `endpoint` with exactly one trailing slash.
std::string WithTrailingSlash(std::string endpoint);

}  // namespace gallery::api
