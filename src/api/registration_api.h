#pragma once
// The answers of the provider and feature routes (arm_route.h kProviders .. kFeatureAction):
//   GET  /subscriptions/{s}/providers                        {"value":[provider...]}
//   GET  /subscriptions/{s}/providers/{ns}                   provider
//   POST /subscriptions/{s}/providers/{ns}/register|unregister   provider (its new state)
//   GET  .../providers/Microsoft.Features/features           {"value":[feature...]}
//   GET  .../Microsoft.Features/providers/{ns}/features      {"value":[feature...]}
//   GET  .../Microsoft.Features/providers/{ns}/features/{f}  feature
//   POST .../features/{f}/register|unregister                feature (its new state)
// Shapes in wire_registration.h; errors those of service/registration_service.h. The caller
// checks the method.

#include <nlohmann/json.hpp>

#include "api/arm_route.h"
#include "common/result.h"
#include "domain/region_catalog.h"
#include "service/registration_service.h"
#include "service/request_context.h"

namespace gallery::api {

Result<nlohmann::json> AnswerRegistrationRoute(service::RegistrationService& registrations,
                                               const domain::RegionCatalog& regions,
                                               const ArmRoute& route,
                                               const service::RequestContext& ctx);

}  // namespace gallery::api
