#pragma once
// CredentialProvider: where the ARM client gets the bearer token it sends with each request.
//
// The seam for authentication: ArmClient asks its provider for a token before every request
// and, when there is one, sends `Authorization: Bearer <token>`. Providers that talk to a
// token endpoint (client credentials of the saved profile) plug in here; today the only
// implementation sends no token.

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace gallery {

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;

  // Returns the access token for the ARM endpoint, or nullopt when requests go without one.
  // Errors (e.g. Unauthenticated when a token endpoint rejects the secret) abort the request
  // that needed the token. Called once per request; implementations may cache.
  virtual Result<std::optional<std::string>> GetToken() = 0;
};

// A provider that never supplies a token (the server's anonymous/bootstrap mode).
class NoCredentialProvider final : public CredentialProvider {
 public:
  Result<std::optional<std::string>> GetToken() override { return std::optional<std::string>(); }
};

}  // namespace gallery
