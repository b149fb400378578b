#include "api/bearer_authenticator.h"

#include "common/resource_id.h"

namespace gallery::api {

namespace {

constexpr std::string_view kBearer = "bearer ";

Status AuthenticationFailed(const std::string& why) {
  return Status::Unauthenticated("Authentication failed. " + why)
      .WithReason("AuthenticationFailed");
}

}  // namespace

BearerTokenAuthenticator::BearerTokenAuthenticator(
    access::TokenValidator& validator, std::function<std::vector<std::string>()> audiences)
    : validator_(validator), audiences_(std::move(audiences)) {}

Result<domain::Caller> BearerTokenAuthenticator::Authenticate(const HttpRequest& request) {
  auto it = request.find(boost::beast::http::field::authorization);
  if (it == request.end()) {
    return AuthenticationFailed("The 'Authorization' header is missing.");
  }
  std::string_view value(it->value().data(), it->value().size());
  if (value.size() <= kBearer.size() ||
      !EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
    return AuthenticationFailed(
        "The 'Authorization' header is provided in an invalid format: expected 'Bearer "
        "<token>'.");
  }
  std::string_view token = value.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  return validator_.Validate(token, audiences_());
}

std::string BearerTokenAuthenticator::Challenge(const Status& failure) const {
  std::string description = failure.message();
  for (char& c : description) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      c = '\'';  // keep the quoted-string well formed
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  return "Bearer authorization_uri=\"" + authority_ + "\", error=\"invalid_token\", " +
         "error_description=\"" + description + "\"";
}

void BearerTokenAuthenticator::SetAuthority(std::string authority) {
  std::lock_guard<std::mutex> lock(mu_);
  authority_ = std::move(authority);
}

}  // namespace gallery::api
