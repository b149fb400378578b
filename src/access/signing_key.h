#pragma once
// SigningKey: the RSA key pair that signs access tokens (RS256), and the public half that
// verifies them, published as a JSON Web Key.
//
//   GALLERY_ASSIGN_OR_RETURN(auto key, LoadOrCreateSigningKey(data_dir / "token-signing-key.pem"));
//   GALLERY_ASSIGN_OR_RETURN(std::string sig, key->Sign(header_dot_payload));
//   bool ok = key->Verify(header_dot_payload, sig);
//
// The key is generated once per installation and kept in the data directory (PKCS#8 PEM, mode
// 0600, written crash-safely), so tokens stay valid across restarts. Thread-safe: Sign and
// Verify may run concurrently (each call uses its own OpenSSL context).

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery::access {

class SigningKey {
 public:
  // A new RSA key of `bits` bits. Internal when OpenSSL fails.
  static Result<std::unique_ptr<SigningKey>> Generate(int bits = 2048);
  // Reads a PEM private key. InvalidArgument when it is not an RSA private key of at least
  // 2048 bits.
  static Result<std::unique_ptr<SigningKey>> FromPem(std::string_view pem);

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // The private key as PKCS#8 PEM.
  Result<std::string> ToPem() const;
  // The key id: the RFC 7638 thumbprint of the public key (base64url SHA-256).
  const std::string& kid() const { return kid_; }
  // RSASSA-PKCS1-v1_5 with SHA-256 over `data`. Internal when OpenSSL fails.
  Result<std::string> Sign(std::string_view data) const;
  // True when `signature` is this key's RS256 signature of `data`.
  bool Verify(std::string_view data, std::string_view signature) const;
  // {"kty":"RSA","use":"sig","alg":"RS256","kid":...,"n":...,"e":...}
  const nlohmann::json& PublicJwk() const { return jwk_; }

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string kid_;
  nlohmann::json jwk_;
};

// Loads the key from `file`, or generates one and writes it there first (mode 0600, temp file,
// fsync, rename). InvalidArgument when the file holds no usable key; Unavailable when it
// cannot be read or written.
Result<std::unique_ptr<SigningKey>> LoadOrCreateSigningKey(const std::filesystem::path& file);

}  // namespace gallery::access
