#include "api/token_endpoint.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "api/base_url.h"
#include "api/cloud_definition.h"
#include "api/url.h"
#include "common/log.h"
#include "common/resource_id.h"

namespace gallery::api {

namespace {

namespace http = boost::beast::http;
using nlohmann::json;

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

HttpResponse JsonResponse(http::status status, const json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, kJson);
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::pragma, "no-cache");
  res.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return res;
}

HttpResponse OAuthError(http::status status, std::string_view error,
                        const std::string& description) {
  return JsonResponse(status, {{"error", error}, {"error_description", description}});
}

// An OAuth error answer for a failed token request.
HttpResponse OAuthErrorOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnauthenticated:
      return OAuthError(
          s.reason() == "invalid_client" ? http::status::unauthorized : http::status::bad_request,
          s.reason().empty() ? "invalid_grant" : s.reason(), s.message());
    case StatusCode::kInvalidArgument:
      return OAuthError(http::status::bad_request,
                        s.reason().empty() ? "invalid_request" : s.reason(), s.message());
    case StatusCode::kUnavailable:
      return OAuthError(http::status::service_unavailable, "temporarily_unavailable", s.message());
    default:
      GLOG_ERROR("token endpoint: {}", s.ToString());
      return OAuthError(http::status::internal_server_error, "server_error",
                        "The token service failed; see the galleryd log.");
  }
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

TokenEndpoint::TokenEndpoint(access::TokenService& tokens, const access::SigningKey& key,
                             std::string public_endpoint)
    : tokens_(tokens), key_(key), public_endpoint_(std::move(public_endpoint)) {}

bool TokenEndpoint::Serves(std::string_view target) {
  return PathIsOrUnder(target, "/adfs") ||
         EqualsIgnoreCase(PathOf(target), "/metadata/endpoints");
}

void TokenEndpoint::SetPublicEndpoint(std::string endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  public_endpoint_ = std::move(endpoint);
}

std::string TokenEndpoint::PublicEndpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  return public_endpoint_;
}

HttpResponse TokenEndpoint::Handle(HttpRequest&& request,
                                   [[maybe_unused]] const RequestInfo& info) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string path = ToLower(PathOf(target));
  const std::string base = BaseUrlOf(request, PublicEndpoint());
  const http::verb method = request.method();
  GLOG_DEBUG("{} {} (from {})", std::string(request.method_string()), path, info.remote_address);
  auto only = [&](http::verb allowed) -> std::optional<HttpResponse> {
    if (method == allowed) {
      return std::nullopt;
    }
    HttpResponse res = OAuthError(
        http::status::method_not_allowed, "invalid_request",
        "The HTTP method '" + std::string(request.method_string()) + "' is not supported here.");
    res.set(http::field::allow, std::string(http::to_string(allowed)));
    return res;
  };
  if (path == "/adfs/.well-known/openid-configuration") {
    if (auto refused = only(http::verb::get)) {
      return *refused;
    }
    const std::string authority = base + "/adfs";
    return JsonResponse(http::status::ok,
                        {{"issuer", tokens_.options().issuer},
                         {"access_token_issuer", tokens_.options().issuer},
                         {"authorization_endpoint", authority + "/oauth2/authorize"},
                         {"token_endpoint", authority + "/oauth2/token"},
                         {"jwks_uri", authority + "/discovery/keys"},
                         {"token_endpoint_auth_methods_supported", {"client_secret_post"}},
                         {"grant_types_supported", {"client_credentials", "password"}},
                         {"response_types_supported", {"token"}},
                         {"scopes_supported", {"openid"}},
                         {"id_token_signing_alg_values_supported", {"RS256"}},
                         {"access_token_signing_alg_values_supported", {"RS256"}}});
  }
  if (path == "/adfs/discovery/keys") {
    if (auto refused = only(http::verb::get)) {
      return *refused;
    }
    return JsonResponse(http::status::ok, {{"keys", json::array({key_.PublicJwk()})}});
  }
  if (path == "/adfs/oauth2/token") {
    if (auto refused = only(http::verb::post)) {
      return *refused;
    }
    return Token(request);
  }
  if (path == "/metadata/endpoints") {
    if (auto refused = only(http::verb::get)) {
      return *refused;
    }
    return JsonResponse(http::status::ok,
                        MetadataEndpoints({base + "/", tokens_.options().arm_audience}));
  }
  return OAuthError(http::status::not_found, "invalid_request",
                    "AADSTS90002: There is no endpoint '" + path + "' on this authority.");
}

HttpResponse TokenEndpoint::Token(const HttpRequest& request) {
  const std::string_view type(request[http::field::content_type].data(),
                              request[http::field::content_type].size());
  if (!EqualsIgnoreCase(type.substr(0, kFormType.size()), kFormType)) {
    return OAuthError(http::status::bad_request, "invalid_request",
                      "AADSTS900144: The request body must be "
                      "application/x-www-form-urlencoded.");
  }
  if (request.body().size() > kMaxTokenRequestBytes) {
    return OAuthError(http::status::bad_request, "invalid_request",
                      "AADSTS90056: The token request is larger than " +
                          std::to_string(kMaxTokenRequestBytes) + " bytes.");
  }
  Result<Target> form = ParseTarget("?" + request.body());
  if (!form.ok()) {
    return OAuthError(http::status::bad_request, "invalid_request",
                      "AADSTS900144: The request body is not valid form encoding.");
  }
  Result<access::IssuedToken> issued = tokens_.Issue(form->query);
  if (!issued.ok()) {
    return OAuthErrorOf(issued.status());
  }
  json body = {{"token_type", issued->token_type},
               {"expires_in", issued->expires_in},
               {"ext_expires_in", issued->expires_in},
               {"access_token", issued->access_token},
               {"resource", issued->audience}};
  if (!issued->id_token.empty()) {
    body["id_token"] = issued->id_token;
  }
  return JsonResponse(http::status::ok, body);
}

}  // namespace gallery::api
