#pragma once
// JSON Web Tokens in compact form, signed with RS256 (RFC 7515/7519), as access tokens.
//
//   GALLERY_ASSIGN_OR_RETURN(std::string token, EncodeJwt({{"aud", "..."}}, key));
//   GALLERY_ASSIGN_OR_RETURN(Jwt jwt, DecodeVerifiedJwt(token, key));
//   jwt.payload["aud"] ...
//
// Only RS256 with this installation's key is accepted: `alg` none, HS256 (and anything else),
// another `kid`, a signature that does not verify, or bytes that are not three base64url JSON
// segments are refused. Claims (exp, nbf, aud, iss) are the caller's to check
// (token_validator.h). Errors are Unauthenticated with reason "InvalidAuthenticationToken" and
// a message that says what was wrong.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "access/signing_key.h"
#include "common/result.h"

namespace gallery::access {

// Tokens longer than this are refused before any parsing.
inline constexpr size_t kMaxTokenBytes = 16 * 1024;

struct Jwt {
  nlohmann::json header;
  nlohmann::json payload;
};

// Header {"typ":"JWT","alg":"RS256","kid":<key.kid()>}; `payload` must be an object.
Result<std::string> EncodeJwt(const nlohmann::json& payload, const SigningKey& key);

// Splits, decodes and verifies `token` against `key`.
Result<Jwt> DecodeVerifiedJwt(std::string_view token, const SigningKey& key);

}  // namespace gallery::access
