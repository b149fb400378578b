#pragma once
// Authenticator: decides who a request acts as. Every ARM handler receives the Caller it
// returns. Implementations: one fixed caller for every request (galleryd --insecure-no-auth),
// and bearer-token validation (bearer_authenticator.h).

#include "api/http_types.h"
#include "common/result.h"
#include "domain/directory.h"

namespace gallery::api {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Unauthenticated (reason InvalidAuthenticationToken / AuthenticationFailed) when the
  // request's credentials are missing or invalid. Thread-safe.
  virtual Result<domain::Caller> Authenticate(const HttpRequest& request) = 0;
  // The WWW-Authenticate value of a 401 that Authenticate() answered with `failure`.
  virtual std::string Challenge(const Status& /*failure*/) const { return "Bearer"; }
};

// Every request acts as one fixed caller.
class FixedCallerAuthenticator final : public Authenticator {
 public:
  explicit FixedCallerAuthenticator(domain::Caller caller) : caller_(std::move(caller)) {}
  Result<domain::Caller> Authenticate(const HttpRequest&) override { return caller_; }

 private:
  domain::Caller caller_;
};

}  // namespace gallery::api
