#pragma once
// Which api-versions each family of routes accepts. A missing api-version is 400
// MissingApiVersionParameter; an unsupported one 400 InvalidApiVersionParameter listing the
// supported versions.

#include <string_view>
#include <vector>

#include "common/status.h"

namespace gallery::api {

enum class ApiFamily {
  kGallery,        // galleries, image definitions, image versions: 2018-06-01 .. 2025-03-03
  kCompute,        // managed images, usages, other Microsoft.Compute types: 2018-04-01 ..
  kDisks,          // managed disks (Microsoft.Compute DiskRP): 2018-04-01 .. 2023-10-02
  kResources,      // subscriptions, resource groups, moves
  kOperations,     // operation status URLs (the server wrote their api-version): any known one
  kAuthorization,  // Microsoft.Authorization role assignments and definitions: 2015-07-01 ..
  kFeatures,       // Microsoft.Features: 2015-12-01, 2021-07-01
  kInsights,       // the activity log (microsoft.insights event types): 2015-04-01
};

// The api-versions `family` accepts, oldest first (for provider documents).
std::vector<std::string_view> SupportedApiVersions(ApiFamily family);

// `api_version` is the raw query value; empty when absent.
Status CheckApiVersion(ApiFamily family, std::string_view api_version);

}  // namespace gallery::api
