#include "access/token_service.h"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

#include "access/group_expansion.h"
#include "access/jwt.h"
#include "access/secret_hash.h"
#include "common/resource_id.h"

namespace gallery::access {

namespace {

using nlohmann::json;

constexpr int64_t kMsPerSecond = 1000;
constexpr std::string_view kDefaultScopeSuffix = "/.default";
// Verified when the client id is unknown, so that an unknown client costs as much time as a
// wrong secret and the answer's timing does not tell which client ids exist.
constexpr char kDecoyHash[] =
    "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

Status OAuthError(StatusCode code, const char* error, const std::string& description) {
  return Status(code, description).WithReason(error);
}

Status InvalidClient() {
  return OAuthError(StatusCode::kUnauthenticated, "invalid_client",
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                    "in the request is the client secret value, not the client secret ID, and "
                    "that the client id names a service principal of this directory.");
}

Status InvalidGrant() {
  return OAuthError(StatusCode::kUnauthenticated, "invalid_grant",
                    "AADSTS50126: Error validating credentials due to invalid username or "
                    "password.");
}

Status MissingParameter(std::string_view name) {
  return OAuthError(StatusCode::kInvalidArgument, "invalid_request",
                    std::string("AADSTS900144: The request body must contain the following "
                                "parameter: '") +
                        std::string(name) + "'.");
}

// invalid_request naming the first of `fields` (name, value) whose value is empty.
Status RequireFields(
    std::initializer_list<std::pair<std::string_view, const std::string*>> fields) {
  for (const auto& [name, value] : fields) {
    if (value->empty()) {
      return MissingParameter(name);
    }
  }
  return Status::Ok();
}

std::string_view TrimSlashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') {
    s.remove_suffix(1);
  }
  return s;
}

std::string Field(const std::map<std::string, std::string, std::less<>>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

}  // namespace

bool SameAudience(std::string_view a, std::string_view b) {
  return !TrimSlashes(a).empty() && EqualsIgnoreCase(TrimSlashes(a), TrimSlashes(b));
}

TokenService::TokenService(metadata::MetadataStore& store, const SigningKey& key,
                           const Clock& clock, TokenServiceOptions options)
    : store_(store), key_(key), clock_(clock), options_(std::move(options)) {}

void TokenService::SetGraphAudience(std::string audience) {
  std::lock_guard<std::mutex> lock(graph_mu_);
  graph_audience_ = std::move(audience);
}

std::string TokenService::GraphAudience() const {
  std::lock_guard<std::mutex> lock(graph_mu_);
  return graph_audience_;
}

Result<std::string> TokenService::AudienceFor(const std::string& scope_or_resource) const {
  // MSAL sends "<resource>/.default" and, for users, adds "offline_access openid profile".
  std::string_view resource;
  std::string_view rest = scope_or_resource;
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    std::string_view item = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (item.size() > kDefaultScopeSuffix.size() && item.ends_with(kDefaultScopeSuffix)) {
      resource = item.substr(0, item.size() - kDefaultScopeSuffix.size());
      break;
    }
    if (resource.empty() && item.find("://") != std::string_view::npos) {
      resource = item;
    }
  }
  if (SameAudience(resource, options_.arm_audience)) {
    return options_.arm_audience;
  }
  const std::string graph = GraphAudience();
  if (SameAudience(resource, graph)) {
    return graph;
  }
  return OAuthError(StatusCode::kInvalidArgument, "invalid_scope",
                    "AADSTS70011: The provided value for the input parameter 'scope' is not "
                    "valid. The scope '" +
                        scope_or_resource + "' names no resource of this server (" +
                        options_.arm_audience + (graph.empty() ? "" : ", " + graph) + ").");
}

Result<IssuedToken> TokenService::Issue(const std::map<std::string, std::string, std::less<>>& form) {
  const std::string grant = Field(form, "grant_type");
  std::string scope = Field(form, "scope");
  if (scope.empty()) {
    scope = Field(form, "resource");  // the ADFS / v1 spelling
  }
  if (grant.empty()) {
    return MissingParameter("grant_type");
  }
  if (grant == "client_credentials") {
    return ClientCredentials(Field(form, "client_id"), Field(form, "client_secret"), scope);
  }
  if (grant == "password") {
    return Password(Field(form, "client_id"), Field(form, "username"), Field(form, "password"),
                    scope);
  }
  return OAuthError(StatusCode::kInvalidArgument, "unsupported_grant_type",
                    "AADSTS70003: The app requested an unsupported grant type '" + grant +
                        "'. Supported: client_credentials, password.");
}

Result<IssuedToken> TokenService::ClientCredentials(const std::string& client_id,
                                                    const std::string& client_secret,
                                                    const std::string& scope) {
  GALLERY_RETURN_IF_ERROR(RequireFields(
      {{"client_id", &client_id}, {"client_secret", &client_secret}, {"scope", &scope}}));
  GALLERY_ASSIGN_OR_RETURN(std::string audience, AudienceFor(scope));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Principal> sp,
                           tx->FindPrincipalByAppId(client_id));
  if (!sp.has_value() || sp->kind != domain::PrincipalKind::kServicePrincipal) {
    (void)VerifySecret(client_secret, kDecoyHash);
    return InvalidClient();
  }
  if (!VerifySecret(client_secret, sp->secret_hash)) {
    return InvalidClient();
  }
  return IssueFor(*tx, *sp, audience, client_id);
}

Result<IssuedToken> TokenService::Password(const std::string& client_id,
                                           const std::string& username, const std::string& password,
                                           const std::string& scope) {
  GALLERY_RETURN_IF_ERROR(
      RequireFields({{"username", &username}, {"password", &password}, {"scope", &scope}}));
  GALLERY_ASSIGN_OR_RETURN(std::string audience, AudienceFor(scope));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Principal> user, tx->FindUserByUpn(username));
  if (!user.has_value()) {
    (void)VerifySecret(password, kDecoyHash);
    return InvalidGrant();
  }
  if (!VerifySecret(password, user->secret_hash)) {
    return InvalidGrant();
  }
  return IssueFor(*tx, *user, audience, client_id);
}

Result<IssuedToken> TokenService::IssueFor(metadata::Transaction& tx,
                                           const domain::Principal& principal,
                                           const std::string& audience,
                                           const std::string& client_id) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Tenant> tenant, tx.GetTenant(principal.tenant_id));
  if (!tenant.has_value()) {
    // A principal whose tenant is gone cannot sign in; say so as for a wrong credential.
    return principal.kind == domain::PrincipalKind::kUser ? InvalidGrant() : InvalidClient();
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<std::string> groups,
                           TransitiveGroups(tx, principal.object_id));
  const int64_t now = clock_.Now() / kMsPerSecond;
  const int64_t exp = now + options_.lifetime_seconds;
  const bool user = principal.kind == domain::PrincipalKind::kUser;
  // Who and when: the same in the access token and the ID token.
  const json subject = {{"iss", options_.issuer},
                        {"iat", now},
                        {"nbf", now},
                        {"exp", exp},
                        {"tid", principal.tenant_id},
                        {"oid", principal.object_id},
                        {"sub", principal.object_id},
                        {"name", principal.display_name}};
  json claims = subject;
  claims["aud"] = audience;
  claims["idtyp"] = user ? "user" : "app";
  claims["groups"] = groups;
  claims["ver"] = "1.0";
  if (user) {
    claims["upn"] = principal.user_principal_name;
    claims["unique_name"] = principal.user_principal_name;
  } else {
    claims["appid"] = principal.app_id;
  }
  IssuedToken issued;
  GALLERY_ASSIGN_OR_RETURN(issued.access_token, EncodeJwt(claims, key_));
  issued.expires_in = options_.lifetime_seconds;
  issued.audience = audience;
  if (user) {
    // The ID token tells the client who signed in (MSAL builds its account from it).
    json id = subject;
    id["aud"] = client_id.empty() ? audience : client_id;
    id["upn"] = principal.user_principal_name;
    id["unique_name"] = principal.user_principal_name;
    id["preferred_username"] = principal.user_principal_name;
    GALLERY_ASSIGN_OR_RETURN(issued.id_token, EncodeJwt(id, key_));
  }
  return issued;
}

}  // namespace gallery::access
