#pragma once
// TokenService: the OAuth 2.0 token endpoint's logic. Checks a service principal's client
// secret (client_credentials grant) or a user's password (password grant) against the
// directory and issues an RS256 access token for one audience.
//
//   TokenService tokens(store, key, clock, {.issuer = ..., .arm_audience = ...});
//   GALLERY_ASSIGN_OR_RETURN(IssuedToken t, tokens.ClientCredentials(app_id, secret,
//                                                                    "https://arm.example//.default"));
//
// Access token claims: iss, aud, iat, nbf, exp (seconds), tid, oid, sub (= oid), idtyp
// ("app" or "user"), appid (service principals), upn and unique_name (users), name, and
// groups: the object ids of every group the principal belongs to at issue time, transitively
// (a membership change takes effect with the next token). Header: alg RS256, kid.
//
// Errors carry the OAuth error code as reason and an AADSTS-style message, as the Microsoft
// identity platform answers (the HTTP layer turns them into {"error","error_description"}):
//   invalid_client (Unauthenticated): unknown client id or wrong secret (one message for both);
//   invalid_grant (Unauthenticated): unknown user or wrong password (one message for both);
//   invalid_scope (InvalidArgument): the scope/resource names no audience of this server;
//   invalid_request (InvalidArgument): a required parameter is missing;
//   unsupported_grant_type (InvalidArgument): from Issue() for any other grant.
// Store errors pass through. Thread-safe.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "access/signing_key.h"
#include "common/result.h"
#include "common/time.h"
#include "metadata/metadata_store.h"

namespace gallery::access {

struct TokenServiceOptions {
  // The `iss` of every token. Stable across restarts (unlike the port), so tokens survive them.
  std::string issuer = "https://gallery.local/adfs";
  // The ARM audience: the cloud definition's activeDirectoryResourceId.
  std::string arm_audience = "https://management.gallery.local/";
  // Access token lifetime; az needs at least 300 s, 3600 s is what Azure gives.
  int64_t lifetime_seconds = 3600;
};

struct IssuedToken {
  std::string access_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;  // seconds
  std::string audience;    // as issued (the canonical form of the requested resource)
  std::string id_token;    // password grant only: who signed in, for the client's account
};

class TokenService {
 public:
  // The references must outlive the service.
  TokenService(metadata::MetadataStore& store, const SigningKey& key, const Clock& clock,
               TokenServiceOptions options);

  const TokenServiceOptions& options() const { return options_; }

  // The Graph audience: the cloud definition's microsoftGraphResourceId, which is also the
  // Graph base URL and so changes with the endpoint. Thread-safe.
  void SetGraphAudience(std::string audience);
  std::string GraphAudience() const;

  // The audience a `scope` ("<resource>/.default", several separated by spaces) or a bare
  // `resource` names: the ARM or the Graph audience, compared case-insensitively and ignoring
  // trailing slashes. invalid_scope when it names neither.
  Result<std::string> AudienceFor(const std::string& scope_or_resource) const;

  // Dispatches on the OAuth form fields (grant_type, client_id, client_secret, username,
  // password, scope or resource).
  Result<IssuedToken> Issue(const std::map<std::string, std::string, std::less<>>& form);

  Result<IssuedToken> ClientCredentials(const std::string& client_id,
                                        const std::string& client_secret, const std::string& scope);
  Result<IssuedToken> Password(const std::string& client_id, const std::string& username,
                               const std::string& password, const std::string& scope);

 private:
  Result<IssuedToken> IssueFor(metadata::Transaction& tx, const domain::Principal& principal,
                               const std::string& audience, const std::string& client_id);

  metadata::MetadataStore& store_;
  const SigningKey& key_;
  const Clock& clock_;
  const TokenServiceOptions options_;
  mutable std::mutex graph_mu_;
  std::string graph_audience_;
};

// True when two audiences (resource URIs) name the same resource: case-insensitive, trailing
// slashes ignored.
bool SameAudience(std::string_view a, std::string_view b);

}  // namespace gallery::access
