#pragma once
// RequestContext: who is asking, and the ids that tie a request to its logs and operations.
// Built by the API layer for every request; every service operation receives one.

#include <string>

#include "domain/directory.h"

namespace gallery::service {

struct RequestContext {
  domain::Caller caller;
  std::string correlation_id;  // x-ms-correlation-request-id (generated when absent)
  std::string request_id;      // x-ms-request-id of this request
  std::string client_request_id;  // x-ms-client-request-id as the client sent it (may be empty)
};

}  // namespace gallery::service
