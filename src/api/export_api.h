#pragma once
// The export routes of the ARM front door (arm_route.h kManagedImage*GetAccess,
// kGalleryImageVersion*GetAccess), a Gallery extension: Read grants on the data of managed
// images and image versions (service/export_grants.h).
//
//   POST .../images/{name}/beginGetAccess                {"access": "Read",
//   POST .../galleries/{g}/images/{i}/versions/{v}/beginGetAccess   "durationInSeconds": N,
//                                                                    "lun": n}
//   POST .../endGetAccess (either resource)               {}
//
// Both answer 202 with Azure-AsyncOperation and Location; the operation is already Succeeded
// and its result is {"accessSAS": url} (beginGetAccess) or empty (endGetAccess). Errors are
// ARM error bodies (api/arm_error.h): 400 for a bad body or Write access, 403, 404, 405 for
// another method. Thread-safe.

#include <string>

#include "api/arm_route.h"
#include "api/http_types.h"
#include "service/export_grants.h"
#include "service/request_context.h"

namespace gallery::api {

// Answers an export route; `*operation_id` gets the id of the operation it started.
// `base_url` ("https://host:port") and `api_version` make the operation's URLs.
HttpResponse HandleExportRoute(service::ExportGrants& exports, const service::RequestContext& ctx,
                               const HttpRequest& request, const ArmRoute& route,
                               const std::string& base_url, const std::string& api_version,
                               std::string* operation_id);

}  // namespace gallery::api
