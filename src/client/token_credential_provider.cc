#include "client/token_credential_provider.h"

#include <nlohmann/json.hpp>

#include "client/url.h"

namespace gallery {

namespace {

using nlohmann::json;

constexpr int64_t kMsPerSecond = 1000;

std::string FormField(const std::string& name, const std::string& value) {
  return name + "=" + PercentEncode(value);
}

// The token endpoint's refusal {"error","error_description"} as a Status.
Status TokenError(const HttpResult& r) {
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  std::string error = "invalid_request";
  std::string description = "The token endpoint answered HTTP " + std::to_string(r.status) + ".";
  if (body.is_object()) {
    if (body.value("error", json()).is_string()) {
      error = body["error"].get<std::string>();
    }
    if (body.value("error_description", json()).is_string()) {
      description = body["error_description"].get<std::string>();
    }
  }
  const StatusCode code = r.status == 401 || r.status == 400
                              ? (error == "invalid_request" || error == "invalid_scope" ||
                                         error == "unsupported_grant_type"
                                     ? StatusCode::kInvalidArgument
                                     : StatusCode::kUnauthenticated)
                              : StatusCode::kUnavailable;
  return Status(code, description).WithReason(error);
}

}  // namespace

Status DiscoverAuthority(HttpTransport& transport, Profile* profile) {
  HttpCall call;
  call.method = "GET";
  call.url = "/metadata/endpoints?api-version=2022-09-01";
  call.headers = {{"Accept", "application/json"}};
  GALLERY_ASSIGN_OR_RETURN(HttpResult r, transport.Send(call));
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  const json* auth =
      body.is_object() && body.contains("authentication") ? &body["authentication"] : nullptr;
  if (r.status != 200 || auth == nullptr || !auth->is_object() ||
      !auth->value("loginEndpoint", json()).is_string() ||
      !auth->value("audiences", json()).is_array() || (*auth)["audiences"].empty() ||
      !(*auth)["audiences"][0].is_string()) {
    return Status::FailedPrecondition("The server at " + profile->arm_endpoint +
                                      " does not say where to get tokens "
                                      "(GET /metadata/endpoints answered HTTP " +
                                      std::to_string(r.status) + "). Is it a Gallery server?");
  }
  std::string authority = (*auth)["loginEndpoint"].get<std::string>();
  while (!authority.empty() && authority.back() == '/') {
    authority.pop_back();
  }
  profile->authority = authority;
  profile->arm_resource = (*auth)["audiences"][0].get<std::string>();
  if (body.value("microsoftGraphResourceId", json()).is_string()) {
    profile->graph_resource = body["microsoftGraphResourceId"].get<std::string>();
  }
  return Status::Ok();
}

bool HasCredentials(const Profile& profile) {
  return !profile.user_name.empty() || !profile.client_id.empty();
}

Result<CachedToken> RequestAccessToken(HttpTransport& transport, const Profile& profile,
                                       const std::string& resource, TimestampMs now) {
  if (profile.authority.empty() || resource.empty()) {
    return Status::FailedPrecondition(
        "The profile does not say where to get tokens. Please run 'gallery login' again.");
  }
  std::string form;
  if (!profile.user_name.empty()) {
    form = FormField("grant_type", "password") + "&" + FormField("username", profile.user_name) +
           "&" + FormField("password", profile.password);
  } else if (!profile.client_id.empty()) {
    form = FormField("grant_type", "client_credentials") + "&" +
           FormField("client_id", profile.client_id) + "&" +
           FormField("client_secret", profile.client_secret);
  } else {
    return Status::FailedPrecondition(
        "The profile holds no credentials. Please run 'gallery login'.");
  }
  form += "&" + FormField("scope", resource + "/.default");
  HttpCall call;
  call.method = "POST";
  call.url = profile.authority + "/oauth2/token";
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                  {"Accept", "application/json"}};
  call.body = std::move(form);
  GALLERY_ASSIGN_OR_RETURN(HttpResult r, transport.Send(call));
  if (r.status != 200) {
    return TokenError(r);
  }
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.value("access_token", json()).is_string() ||
      !body.value("expires_in", json()).is_number()) {
    return Status::Unavailable("The token endpoint " + call.url +
                               " answered without access_token and a numeric expires_in.");
  }
  CachedToken token;
  token.access_token = body["access_token"].get<std::string>();
  token.expires_on = now / kMsPerSecond + body["expires_in"].get<int64_t>();
  return token;
}

TokenCredentialProvider::TokenCredentialProvider(HttpTransport& transport, Profile& profile,
                                                 std::string resource, const Clock& clock,
                                                 std::function<Status(const Profile&)> save)
    : transport_(transport),
      profile_(profile),
      resource_(std::move(resource)),
      clock_(clock),
      save_(std::move(save)) {}

Result<std::optional<std::string>> TokenCredentialProvider::GetToken() {
  const TimestampMs now = clock_.Now();
  const int64_t margin = std::chrono::seconds(kRefreshMargin).count();
  auto cached = profile_.access_tokens.find(resource_);
  if (cached != profile_.access_tokens.end() &&
      cached->second.expires_on - margin > now / kMsPerSecond) {
    return std::optional<std::string>(cached->second.access_token);
  }
  GALLERY_ASSIGN_OR_RETURN(CachedToken token,
                           RequestAccessToken(transport_, profile_, resource_, now));
  profile_.access_tokens[resource_] = token;
  if (save_) {
    GALLERY_RETURN_IF_ERROR(save_(profile_));
  }
  return std::optional<std::string>(token.access_token);
}

}  // namespace gallery
