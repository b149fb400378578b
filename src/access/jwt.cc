#include "access/jwt.h"

#include <optional>

#include "common/base64.h"

namespace gallery::access {

namespace {

Status Invalid(const std::string& why) {
  return Status::Unauthenticated("The access token is invalid: " + why + ".")
      .WithReason("InvalidAuthenticationToken");
}

std::optional<nlohmann::json> DecodeSegment(std::string_view segment) {
  std::optional<std::string> bytes = Base64UrlDecode(segment);
  if (!bytes.has_value()) {
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return std::nullopt;
  }
  return j;
}

}  // namespace

Result<std::string> EncodeJwt(const nlohmann::json& payload, const SigningKey& key) {
  if (!payload.is_object()) {
    return Status::Internal("a token payload must be a JSON object");
  }
  const nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"kid", key.kid()}};
  std::string signing_input =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());
  GALLERY_ASSIGN_OR_RETURN(std::string signature, key.Sign(signing_input));
  return signing_input + "." + Base64UrlEncode(signature);
}

Result<Jwt> DecodeVerifiedJwt(std::string_view token, const SigningKey& key) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return Invalid("it is empty or longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Invalid("it is not a JSON Web Token of three segments");
  }
  std::optional<nlohmann::json> header = DecodeSegment(token.substr(0, first));
  std::optional<nlohmann::json> payload =
      DecodeSegment(token.substr(first + 1, second - first - 1));
  std::optional<std::string> signature = Base64UrlDecode(token.substr(second + 1));
  if (!header.has_value() || !payload.has_value() || !signature.has_value()) {
    return Invalid("a segment is not base64url-encoded JSON");
  }
  const nlohmann::json& alg = (*header)["alg"];
  if (!alg.is_string() || alg.get<std::string>() != "RS256") {
    return Invalid("the signing algorithm must be RS256");
  }
  const nlohmann::json& kid = (*header)["kid"];
  if (!kid.is_string() || kid.get<std::string>() != key.kid()) {
    return Invalid("it is signed with an unknown key");
  }
  if (!key.Verify(token.substr(0, second), *signature)) {
    return Invalid("the signature does not verify");
  }
  return Jwt{std::move(*header), std::move(*payload)};
}

}  // namespace gallery::access
