#pragma once
// GET /subscriptions/{s}/providers/microsoft.insights/eventtypes/management/values
//     ?api-version=2015-04-01&$filter=...[&$select=...][&$skiptoken=...]
// Parses $filter and $select (domain/activity_filter.h), lists a page and renders it as
// {"value":[EventData...],"nextLink":...}; the nextLink repeats $filter and $select.
// Errors: the filter's and the service's (400 BadRequest for a bad or missing $filter).

#include <nlohmann/json.hpp>
#include <string>

#include "api/url.h"
#include "common/result.h"
#include "service/activity_log_service.h"
#include "service/request_context.h"

namespace gallery::api {

// `base_url` is "https://host:port" for the nextLink.
Result<nlohmann::json> ListActivityLog(service::ActivityLogService& log, const Target& target,
                                       const service::RequestContext& ctx,
                                       const std::string& subscription,
                                       const std::string& base_url);

}  // namespace gallery::api
