#pragma once
// AccessSigner: signs and verifies the data-plane URLs of access grants (the accessSAS a
// beginGetAccess of a disk, a managed image or an image version returns) with HMAC-SHA256
// under an installation key.
//
// A signature binds the blob the URL names, the access level ("r" or "w"), the grant id and
// the expiry text exactly as they appear in the URL, so changing any of them invalidates it. The
// key is 32 random bytes generated once into the data directory (mode 0600, written
// crash-safely), so URLs stay valid across restarts until their grant ends.
//
//   GALLERY_ASSIGN_OR_RETURN(auto signer, LoadOrCreateAccessSigner(dir / "access-key", random));
//   std::string sig = signer->Sign({uid, "w", grant_id, "2030-01-01T00:00:00Z"});
//   bool ok = signer->Verify({uid, "w", grant_id, "2030-01-01T00:00:00Z"}, sig);
//   std::string url = signer->Url("https://host:8443", "disks/" + uid,
//                                 {uid, "r", grant_id, AccessExpiryText(expires_at)});
//
// Thread-safe (immutable after construction).

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/result.h"
#include "common/time.h"

namespace gallery::access {

// What a data-plane URL grants, as the URL spells it.
struct AccessClaim {
  // The blob the URL names: a disk's uniqueId (/disks/{uniqueId}) or "exports/{grantId}"
  // (/exports/{grantId}, an image's or version's export); a uniqueId holds no '/', so the two
  // never collide.
  std::string blob;
  std::string permission;  // "r" or "w" (the URL's sp)
  std::string grant_id;    // the URL's si
  std::string expiry;      // the URL's se, RFC 3339
};

class AccessSigner {
 public:
  static constexpr size_t kKeyBytes = 32;

  // InvalidArgument unless `key` is kKeyBytes long.
  static Result<std::unique_ptr<AccessSigner>> FromKey(std::string key);

  // The base64url (no padding) HMAC-SHA256 of the claim.
  std::string Sign(const AccessClaim& claim) const;
  // True when `signature` is Sign(claim); compared in constant time.
  bool Verify(const AccessClaim& claim, std::string_view signature) const;
  // The signed data-plane URL of `claim`: {base_url}/{path}?sv=..&sr=b&si={grant_id}
  // &sp={permission}&se={expiry}&sig={Sign(claim)}. `base_url` is "https://host:port".
  std::string Url(const std::string& base_url, const std::string& path,
                  const AccessClaim& claim) const;

 private:
  explicit AccessSigner(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// The RFC 3339 text of an expiry in whole seconds with a "Z" suffix, as URLs carry it.
std::string AccessExpiryText(TimestampMs expires_at);

// Loads the key from `file`, or generates one with `random` and writes it there first (0600,
// temp file, fsync, rename). InvalidArgument when the file does not hold a key of kKeyBytes;
// Unavailable when it cannot be read or written.
Result<std::unique_ptr<AccessSigner>> LoadOrCreateAccessSigner(const std::filesystem::path& file,
                                                               Random& random);

}  // namespace gallery::access
