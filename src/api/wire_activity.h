#pragma once
// The activity log on the wire: an ActivityEvent as Azure's EventData (Microsoft.Insights
// api-version 2015-04-01), the shape `az monitor activity-log list` and the SDKs read.
//
//   {"authorization":{"action","scope"}, "caller", "claims":{...}, "correlationId",
//    "eventDataId", "eventName":{value,localizedValue}, "category":{"value":"Administrative"},
//    "eventTimestamp", "submissionTimestamp", "httpRequest":{"clientRequestId","clientIpAddress",
//    "method"}, "id", "level", "operationId", "operationName":{value,localizedValue},
//    "resourceGroupName", "resourceProviderName":{...}, "resourceType":{...}, "resourceId",
//    "status":{...}, "subStatus":{...}, "subscriptionId", "tenantId",
//    "properties":{"statusCode","httpStatusCode","statusMessage",...}}
//
// `caller` is the caller's display name (a user's UPN), or its object id when it has none;
// the claims carry the object id, name and tenant.

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "domain/activity_event.h"

namespace gallery::api {

// Only the properties named in `select` (canonical names, activity_filter.h), or all of them
// when it is empty.
nlohmann::json ActivityEventToWire(const domain::ActivityEvent& event,
                                   const std::set<std::string>& select);

// "OK", "Created", "Accepted", "NoContent", "BadRequest", "Unauthorized", "Forbidden",
// "NotFound", "Conflict", ... (the HTTP reason phrase without spaces); "" for 0.
std::string HttpStatusName(int status);

}  // namespace gallery::api
