#pragma once
// Secrets (client secrets, passwords) are stored only as salted PBKDF2-HMAC-SHA256 hashes and
// compared in constant time.

#include <string>
#include <string_view>

#include "common/random.h"

namespace gallery::access {

// "pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>".
std::string HashSecret(std::string_view secret, Random& random, int iterations = 100000);
// True when `secret` matches `encoded`; false for a malformed `encoded`. Constant time in the
// length of the hash.
bool VerifySecret(std::string_view secret, std::string_view encoded);

}  // namespace gallery::access
