#pragma once
// SubscriptionAliasApi: subscription creation the way ARM does it, with
// Microsoft.Subscription aliases (tenant level, outside any subscription):
//
//   PUT /providers/Microsoft.Subscription/aliases/{alias}?api-version=2021-10-01
//       {"properties":{"displayName":"Team A","workload":"Production"}}
//   -> 201 (new) or 200 (the alias already names one):
//      {"id":"/providers/Microsoft.Subscription/aliases/{alias}","name":"{alias}",
//       "type":"Microsoft.Subscription/aliases",
//       "properties":{"subscriptionId":"<guid>","displayName":"Team A",
//                     "provisioningState":"Succeeded"}}
//   GET the same path: 200 with that body, 404 when the alias names nothing.
//
// Needs an ARM-audience bearer token of a directory administrator (403 AuthorizationFailed
// otherwise); the creator becomes Owner through the directory service's
// subscription_created hook. Errors are ARM error bodies. Thread-safe.

#include <string_view>

#include "api/authenticator.h"
#include "api/http_types.h"
#include "service/directory_service.h"

namespace gallery::api {

class SubscriptionAliasApi {
 public:
  // The references must outlive the API. `authenticator` accepts ARM-audience tokens.
  SubscriptionAliasApi(service::DirectoryService& directory, Authenticator& authenticator);

  // True for targets under /providers/Microsoft.Subscription (any casing).
  static bool Serves(std::string_view target);

  HttpResponse Handle(HttpRequest&& request, const RequestInfo& info);

 private:
  service::DirectoryService& directory_;
  Authenticator& authenticator_;
};

}  // namespace gallery::api
