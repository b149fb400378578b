#include "access/access_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64.h"
#include "common/file_util.h"

namespace gallery::access {

namespace {

constexpr unsigned kKeyFileMode = 0600;

// One field per line; none of the fields may hold a newline (ids, "r"/"w", RFC 3339), so the
// encoding is unambiguous.
std::string StringToSign(const AccessClaim& c) {
  return "gallery-disk-access-v1\n" + c.blob + "\n" + c.permission + "\n" + c.grant_id + "\n" +
         c.expiry;
}

bool HasNewline(const AccessClaim& c) {
  for (const std::string* field : {&c.blob, &c.permission, &c.grant_id, &c.expiry}) {
    if (field->find('\n') != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<AccessSigner>> AccessSigner::FromKey(std::string key) {
  if (key.size() != kKeyBytes) {
    return Status::InvalidArgument("the access signing key must be " + std::to_string(kKeyBytes) +
                                   " bytes, not " + std::to_string(key.size()));
  }
  return std::unique_ptr<AccessSigner>(new AccessSigner(std::move(key)));
}

std::string AccessSigner::Sign(const AccessClaim& claim) const {
  const std::string data = StringToSign(claim);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

bool AccessSigner::Verify(const AccessClaim& claim, std::string_view signature) const {
  if (HasNewline(claim)) {
    return false;
  }
  const std::string expected = Sign(claim);
  return signature.size() == expected.size() &&
         CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

std::string AccessSigner::Url(const std::string& base_url, const std::string& path,
                              const AccessClaim& claim) const {
  return base_url + "/" + path + "?sv=2018-03-28&sr=b&si=" + claim.grant_id +
         "&sp=" + claim.permission + "&se=" + claim.expiry + "&sig=" + Sign(claim);
}

std::string AccessExpiryText(TimestampMs expires_at) {
  std::string text = FormatTimestamp(expires_at / 1000 * 1000);
  if (text.size() > 6 && text.compare(text.size() - 6, 6, "+00:00") == 0) {
    text.replace(text.size() - 6, 6, "Z");
  }
  return text;
}

Result<std::unique_ptr<AccessSigner>> LoadOrCreateAccessSigner(const std::filesystem::path& file,
                                                               Random& random) {
  Result<std::string> existing = ReadFile(file);
  if (existing.ok()) {
    return AccessSigner::FromKey(std::move(*existing));
  }
  if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  std::string key = random.Bytes(AccessSigner::kKeyBytes);
  GALLERY_RETURN_IF_ERROR(WriteFileAtomic(file, key, kKeyFileMode));
  return AccessSigner::FromKey(std::move(key));
}

}  // namespace gallery::access
