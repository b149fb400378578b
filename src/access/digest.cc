#include "access/digest.h"

#include <openssl/evp.h>

namespace gallery::access {

namespace {

std::string DigestOf(std::string_view data, const EVP_MD* md) {
  std::string out(static_cast<size_t>(EVP_MD_size(md)), '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, md,
             nullptr);
  return out;
}

}  // namespace

std::string Sha256(std::string_view data) { return DigestOf(data, EVP_sha256()); }

std::string Md5(std::string_view data) { return DigestOf(data, EVP_md5()); }

}  // namespace gallery::access
