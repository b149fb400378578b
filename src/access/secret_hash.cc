#include "access/secret_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

#include "common/base64.h"

namespace gallery::access {

namespace {

std::string Derive(std::string_view secret, const std::string& salt, int iterations) {
  std::string out(32, '\0');
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), 32,
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

std::string HashSecret(std::string_view secret, Random& random, int iterations) {
  std::string salt = Base64UrlEncode(random.Bytes(16));
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + salt + "$" +
         Base64UrlEncode(Derive(secret, salt, iterations));
}

bool VerifySecret(std::string_view secret, std::string_view encoded) {
  std::vector<std::string> parts = Split(encoded, '$');
  if (parts.size() != 4 || parts[0] != "pbkdf2-sha256") {
    return false;
  }
  int iterations = 0;
  for (char c : parts[1]) {
    if (c < '0' || c > '9' || iterations > 10'000'000) {
      return false;
    }
    iterations = iterations * 10 + (c - '0');
  }
  if (iterations <= 0) {
    return false;
  }
  const std::string actual = Base64UrlEncode(Derive(secret, parts[2], iterations));
  const std::string& expected = parts[3];
  return actual.size() == expected.size() &&
         CRYPTO_memcmp(actual.data(), expected.data(), actual.size()) == 0;
}

}  // namespace gallery::access
