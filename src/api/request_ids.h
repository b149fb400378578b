#pragma once
// The ids that tie a request to its logs, operations and activity events, from its headers:
// a new request id (x-ms-request-id of the answer), the caller's correlation id and client
// request id. One place for every front door on the server (ARM, Graph, subscription aliases).

#include "api/http_types.h"
#include "service/request_context.h"

namespace gallery::api {

// A RequestContext with only the ids set: request_id is new; correlation_id is the first of
// x-ms-correlation-request-id, x-ms-client-request-id and client-request-id (Graph's) that is
// present and at most 128 bytes, else the request id; client_request_id is
// x-ms-client-request-id or client-request-id, cut to 128 bytes.
service::RequestContext RequestIdsOf(const HttpRequest& request);

}  // namespace gallery::api
