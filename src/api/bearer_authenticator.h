#pragma once
// BearerTokenAuthenticator: authenticates a request by its `Authorization: Bearer <token>`
// header, with the token validator of access/ and the audiences this endpoint accepts.
//
// Answers as ARM does: no header, or one that is not "Bearer <token>": Unauthenticated with
// reason AuthenticationFailed; a token that does not validate: InvalidAuthenticationToken or
// ExpiredAuthenticationToken (token_validator.h). Challenge() gives the WWW-Authenticate value:
//   Bearer authorization_uri="https://host:port/adfs", error="invalid_token",
//          error_description="..."
// Thread-safe.

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "access/token_validator.h"
#include "api/authenticator.h"

namespace gallery::api {

class BearerTokenAuthenticator final : public Authenticator {
 public:
  // `audiences` is asked on every call (the Graph audience changes with the endpoint).
  // `validator` must outlive the authenticator.
  BearerTokenAuthenticator(access::TokenValidator& validator,
                           std::function<std::vector<std::string>()> audiences);

  Result<domain::Caller> Authenticate(const HttpRequest& request) override;
  std::string Challenge(const Status& failure) const override;

  // The authority named in challenges ("https://host:port/adfs"). Thread-safe.
  void SetAuthority(std::string authority);

 private:
  access::TokenValidator& validator_;
  std::function<std::vector<std::string>()> audiences_;
  mutable std::mutex mu_;
  std::string authority_;
};

}  // namespace gallery::api
