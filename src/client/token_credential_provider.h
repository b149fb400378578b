#pragma once
// TokenCredentialProvider: the CredentialProvider of a saved profile. Gets an access token for
// one resource from the profile's authority (POST <authority>/oauth2/token, form-encoded: the
// client_credentials grant for a service principal, the password grant for a user), keeps it
// in the profile, and fetches a new one when the cached token has less than kRefreshMargin
// left.
//
//   TokenCredentialProvider arm_tokens(transport, profile, profile.arm_resource, clock, save);
//   ArmClient arm(transport, arm_tokens, random, sleeper);
//
// Errors: the token endpoint's refusal becomes Unauthenticated (InvalidArgument for a 400)
// whose reason is the OAuth error ("invalid_client") and whose message is its
// error_description; FailedPrecondition when the profile has no authority or no credentials;
// transport errors pass through. Not thread-safe (as ArmClient).

#include <chrono>
#include <functional>
#include <string>

#include "client/credential_provider.h"
#include "client/http_transport.h"
#include "client/profile.h"
#include "common/time.h"

namespace gallery {

// Fills the profile's authority, arm_resource and graph_resource from the server's
// GET /metadata/endpoints (cloud_definition.h of the server). FailedPrecondition when the server
// does not publish them; transport errors pass through.
Status DiscoverAuthority(HttpTransport& transport, Profile* profile);

// True when the profile holds a service principal's or a user's credentials.
bool HasCredentials(const Profile& profile);

// Fetches a fresh token for `resource` with the profile's credentials.
Result<CachedToken> RequestAccessToken(HttpTransport& transport, const Profile& profile,
                                       const std::string& resource, TimestampMs now);

class TokenCredentialProvider final : public CredentialProvider {
 public:
  static constexpr std::chrono::minutes kRefreshMargin{5};

  // `profile` is updated with each new token and then passed to `save` (which may be empty).
  // The references must outlive the provider.
  TokenCredentialProvider(HttpTransport& transport, Profile& profile, std::string resource,
                          const Clock& clock, std::function<Status(const Profile&)> save);

  Result<std::optional<std::string>> GetToken() override;

 private:
  HttpTransport& transport_;
  Profile& profile_;
  std::string resource_;
  const Clock& clock_;
  std::function<Status(const Profile&)> save_;
};

}  // namespace gallery
