#pragma once
// Reads galleryd's configuration (config/galleryd.json documents every key): the region catalog,
// quotas, limits and operation timing. Every key is optional; absent ones keep the defaults
// (the product description's regions and quotas).

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "domain/region_catalog.h"
#include "service/service_config.h"

namespace gallery::service {

struct GalleryConfig {
  domain::RegionCatalog regions = domain::RegionCatalog::Default();
  ServiceConfig service;
};

// InvalidArgument (reason "InvalidConfiguration") naming the key for a wrong type or a value
// out of range (quotas >= 0, maxReplicaCount 1..1000, listPageSize 1..1000,
// activityLog.retentionDays 1..3650, features.registrationDelayMs 0..3600000,
// storage.scrubIntervalHours 0..8760 with 0 for no periodic scrub, ...) or a
// requireFeatureRegistration that is not a boolean.
Result<GalleryConfig> ParseGalleryConfig(const nlohmann::json& json);

}  // namespace gallery::service
