#include "service/activity_visibility.h"

#include <string>

#include "access/actions.h"
#include "common/log.h"
#include "common/resource_id.h"

namespace gallery::service {

namespace {

// The resource an entry's scope is about: the scope itself when it is a resource id, the scope
// a role assignment or definition was made at, or else the subscription.
Result<ResourceId> ScopeResource(std::string_view scope) {
  const std::string lower = ToLower(scope);
  const size_t authz = lower.find("/providers/microsoft.authorization/");
  if (authz != std::string::npos) {
    scope = scope.substr(0, authz);
  }
  Result<ResourceId> id = ResourceId::Parse(scope);
  if (id.ok()) {
    return id;
  }
  // "/subscriptions/{s}/..." that is not a resource id: its subscription.
  constexpr std::string_view kPrefix = "/subscriptions/";
  if (lower.rfind(kPrefix, 0) != 0) {
    return id.status();
  }
  const size_t end = scope.find('/', kPrefix.size());
  return ResourceId::Parse(scope.substr(0, end));
}

}  // namespace

ScopeVisibility ReadableScopes(access::Authorizer& authorizer) {
  return [&authorizer](const domain::Caller& caller, std::string_view scope) {
    Result<ResourceId> id = ScopeResource(scope);
    if (!id.ok()) {
      return false;
    }
    Result<bool> allowed =
        authorizer.Check(caller, access::ActionOn(*id, access::Verb::kRead), *id);
    if (!allowed.ok()) {
      GLOG_WARN("activity log: cannot check read access to '{}': {}", std::string(scope),
                allowed.status().ToString());
      return false;
    }
    return *allowed;
  };
}

}  // namespace gallery::service
