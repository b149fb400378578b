#pragma once
// Who sees which activity log entries: a principal sees the entries of the scopes it may read
// (the read action of the scope's resource type, at the scope or above). An entry about a role
// assignment or definition belongs to the scope it was made at; an entry whose scope is not a
// resource id (a provider or feature registration) belongs to its subscription.

#include "access/authorizer.h"
#include "service/activity_log_service.h"

namespace gallery::service {

// The ScopeVisibility of ActivityLogService, answered by `authorizer` (which must outlive it).
ScopeVisibility ReadableScopes(access::Authorizer& authorizer);

}  // namespace gallery::service
