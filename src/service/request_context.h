#pragma once
// RequestContext: who is asking, and the ids that tie a request to its logs and operations.
// Built by the API layer for every request; every service operation receives one.

#include <string>

#include "domain/directory.h"
#include "domain/operation.h"

namespace gallery::service {

struct RequestContext {
  domain::Caller caller;
  std::string correlation_id;  // x-ms-correlation-request-id (generated when absent)
  std::string request_id;      // x-ms-request-id of this request
  std::string client_request_id;  // x-ms-client-request-id as the client sent it (may be empty)
};

// Who asked, as operations and the activity log remember it.
inline domain::OperationOrigin OriginOf(const RequestContext& ctx) {
  return {ctx.caller.tenant_id, ctx.caller.object_id, ctx.caller.display_name, ctx.correlation_id,
          ctx.client_request_id};
}

}  // namespace gallery::service
