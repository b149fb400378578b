#pragma once
// The one place where a Status becomes an HTTP status and an ARM error body
// {"error":{"code","message","target"}}.

#include <boost/beast/http/status.hpp>
#include <string>

#include "api/http_types.h"
#include "common/status.h"

namespace gallery::api {

// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists and FailedPrecondition 409 (412 when the reason is "PreconditionFailed": a
// request's If-Match / If-None-Match did not hold), ResourceExhausted 409 (a quota; 429 when the
// reason is "TooManyRequests"), Unavailable 503, DataLoss and Internal 500.
boost::beast::http::status HttpStatusOf(const Status& status);
// The ARM error code: the Status's reason, else a default per code.
std::string ArmCodeOf(const Status& status);
std::string ArmErrorBody(const Status& status);
// A complete JSON error response.
HttpResponse ArmErrorResponse(const Status& status, unsigned http_version);

}  // namespace gallery::api
