#pragma once
// GraphApi: the subset of Microsoft Graph v1.0 that the Azure CLI and `gallery ad` use, on the
// same server under /v1.0, over the directory service. Every request needs a bearer token for
// the Graph audience; a caller sees only its own tenant.
//
//   GET    /v1.0/me
//   GET    /v1.0/users[?$filter=userPrincipalName eq '...']      POST /v1.0/users
//   GET    /v1.0/users/{id}                                       DELETE /v1.0/users/{id}
//   GET    /v1.0/servicePrincipals[?$filter=servicePrincipalNames/any(c:c eq '...')]
//   POST   /v1.0/servicePrincipals            {"displayName"}: creates the principal and its
//                                             application id (applications are not modelled)
//   GET|DELETE /v1.0/servicePrincipals/{id}   POST /v1.0/servicePrincipals/{id}/addPassword
//   GET    /v1.0/groups[?$filter=displayName eq '...' and mailNickname eq '...']
//   POST   /v1.0/groups
//   GET|DELETE /v1.0/groups/{id}              GET /v1.0/groups/{id}/members
//   POST   /v1.0/groups/{id}/members/$ref     {"@odata.id":".../directoryObjects/{memberId}"}
//   DELETE /v1.0/groups/{id}/members/{memberId}/$ref
//   POST   /v1.0/directoryObjects/getByIds    {"ids":[...],"types":[...]}
//
// Errors are Graph's shape {"error":{"code","message","innerError":{...}}}, with the HTTP
// status of arm_error.h and Graph's codes (Request_BadRequest, Request_ResourceNotFound,
// Authorization_RequestDenied, InvalidAuthenticationToken, ...). Bodies over
// kMaxGraphBodyBytes are refused with 413. Thread-safe.

#include <string_view>

#include "api/authenticator.h"
#include "api/http_types.h"
#include "common/random.h"
#include "service/directory_service.h"

namespace gallery::api {

inline constexpr size_t kMaxGraphBodyBytes = 64 * 1024;

class GraphApi {
 public:
  // The references must outlive the API. `authenticator` accepts Graph-audience tokens.
  GraphApi(service::DirectoryService& directory, Authenticator& authenticator, Random& random);

  // True for targets under /v1.0.
  static bool Serves(std::string_view target);

  HttpResponse Handle(HttpRequest&& request, const RequestInfo& info);

 private:
  struct Call;
  HttpResponse Dispatch(Call& call);

  service::DirectoryService& directory_;
  Authenticator& authenticator_;
  Random& random_;
};

}  // namespace gallery::api
