#pragma once
// Provider and feature registrations on the wire, as Microsoft.Resources (providers, api
// 2021-04-01 and older) and Microsoft.Features (2021-07-01, 2015-12-01) answer them:
//
//   feature:  {"id":"/subscriptions/{s}/providers/Microsoft.Features/providers/{ns}/features/{f}",
//              "name":"{ns}/{f}", "type":"Microsoft.Features/providers/features",
//              "properties":{"state":"Registering"}}
//   provider: {"id":"/subscriptions/{s}/providers/{ns}", "namespace", "registrationState",
//              "registrationPolicy":"RegistrationRequired"|"RegistrationFree",
//              "resourceTypes":[{"resourceType","locations":[display names],
//                                "apiVersions":[newest first],"defaultApiVersion",
//                                "capabilities":"None"}]}

#include <nlohmann/json.hpp>
#include <string>

#include "domain/region_catalog.h"
#include "service/registration_service.h"

namespace gallery::api {

nlohmann::json FeatureToWire(const std::string& subscription, const service::FeatureState& f);
// Locations come from `regions` (galleries: where galleries may be created; others: all);
// api-versions are those this server accepts for the type.
nlohmann::json ProviderToWire(const std::string& subscription, const service::ProviderState& p,
                              const domain::RegionCatalog& regions);

}  // namespace gallery::api
