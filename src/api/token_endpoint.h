#pragma once
// TokenEndpoint: the HTTP face of the token service, shaped like an ADFS authority at
// `<endpoint>adfs` (what the Azure CLI's MSAL needs to log in offline), and the ARM metadata
// document:
//   GET  /adfs/.well-known/openid-configuration   issuer, authorization/token endpoints, jwks_uri
//   GET  /adfs/discovery/keys                     {"keys":[<the public signing key as a JWK>]}
//   POST /adfs/oauth2/token                       form-encoded OAuth 2.0 token request
//   GET  /metadata/endpoints                      cloud_definition.h
//
// The token answer is {"token_type":"Bearer","expires_in":N,"ext_expires_in":N,"access_token",
// "resource"(, "id_token")} with a numeric expires_in; errors are
// {"error":"<oauth code>","error_description":"AADSTS...: ..."} with 401 for invalid_client and
// 400 otherwise (503/500 when the store fails). Bodies over kMaxTokenRequestBytes, and bodies
// that are not application/x-www-form-urlencoded, are invalid_request. Thread-safe.

#include <mutex>
#include <string>
#include <string_view>

#include "access/signing_key.h"
#include "access/token_service.h"
#include "api/http_types.h"

namespace gallery::api {

inline constexpr size_t kMaxTokenRequestBytes = 16 * 1024;

class TokenEndpoint {
 public:
  // The references must outlive the endpoint. `public_endpoint` ("https://host:port") is the
  // base for links when a request has no usable Host header.
  TokenEndpoint(access::TokenService& tokens, const access::SigningKey& key,
                std::string public_endpoint);

  // True for the targets this endpoint answers (/adfs/..., /metadata/endpoints).
  static bool Serves(std::string_view target);

  HttpResponse Handle(HttpRequest&& request, const RequestInfo& info);

  void SetPublicEndpoint(std::string endpoint);

 private:
  std::string PublicEndpoint() const;
  HttpResponse Token(const HttpRequest& request);

  access::TokenService& tokens_;
  const access::SigningKey& key_;
  mutable std::mutex mu_;
  std::string public_endpoint_;
};

}  // namespace gallery::api
