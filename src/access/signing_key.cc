#include "access/signing_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "access/digest.h"
#include "common/base64.h"
#include "common/file_util.h"

namespace gallery::access {

namespace {

constexpr int kMinBits = 2048;
constexpr unsigned kKeyFileMode = 0600;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The big-endian bytes of an RSA parameter (n or e) as base64url.
Result<std::string> ParamB64(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    return Status::Internal(std::string("cannot read RSA parameter ") + name);
  }
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return Base64UrlEncode(bytes);
}

Result<std::string> PemOf(EVP_PKEY* pkey) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("cannot encode the RSA key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

struct SigningKey::Impl {
  PkeyPtr pkey;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::~SigningKey() = default;

Result<std::unique_ptr<SigningKey>> SigningKey::Generate(int bits) {
  PkeyPtr pkey(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (pkey == nullptr) {
    return Status::Internal("cannot generate an RSA key");
  }
  GALLERY_ASSIGN_OR_RETURN(std::string pem, PemOf(pkey.get()));
  return FromPem(pem);
}

Result<std::unique_ptr<SigningKey>> SigningKey::FromPem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return Status::Internal("cannot read the signing key");
  }
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    return Status::InvalidArgument("the token signing key is not an RSA private key in PEM");
  }
  if (EVP_PKEY_get_bits(pkey.get()) < kMinBits) {
    return Status::InvalidArgument("the token signing key has fewer than 2048 bits");
  }
  GALLERY_ASSIGN_OR_RETURN(std::string n, ParamB64(pkey.get(), OSSL_PKEY_PARAM_RSA_N));
  GALLERY_ASSIGN_OR_RETURN(std::string e, ParamB64(pkey.get(), OSSL_PKEY_PARAM_RSA_E));
  auto impl = std::make_unique<Impl>();
  impl->pkey = std::move(pkey);
  std::unique_ptr<SigningKey> key(new SigningKey(std::move(impl)));
  // RFC 7638: the thumbprint hashes the required members in lexicographic order, no spaces.
  key->kid_ = Base64UrlEncode(Sha256(R"({"e":")" + e + R"(","kty":"RSA","n":")" + n + R"("})"));
  key->jwk_ = {{"kty", "RSA"},     {"use", "sig"}, {"alg", "RS256"},
               {"kid", key->kid_}, {"n", n},       {"e", e}};
  return key;
}

Result<std::string> SigningKey::ToPem() const { return PemOf(impl_->pkey.get()); }

Result<std::string> SigningKey::Sign(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return Status::Internal("cannot sign the token");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return Status::Internal("cannot sign the token");
  }
  sig.resize(len);
  return sig;
}

bool SigningKey::Verify(std::string_view data, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

Result<std::unique_ptr<SigningKey>> LoadOrCreateSigningKey(const std::filesystem::path& file) {
  Result<std::string> pem = ReadFile(file);
  if (pem.ok()) {
    return SigningKey::FromPem(*pem);
  }
  if (pem.status().code() != StatusCode::kNotFound) {
    return pem.status();
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<SigningKey> key, SigningKey::Generate());
  GALLERY_ASSIGN_OR_RETURN(std::string text, key->ToPem());
  GALLERY_RETURN_IF_ERROR(WriteFileAtomic(file, text, kKeyFileMode));
  return key;
}

}  // namespace gallery::access
