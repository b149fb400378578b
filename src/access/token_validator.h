#pragma once
// TokenValidator: turns a bearer access token into the Caller it speaks for.
//
// A token is accepted when it is an RS256 JWT signed by this installation's key (jwt.h), its
// `iss` is ours, its `aud` is one the endpoint accepts, it is within [nbf, exp] (with a clock
// skew allowance), its tenant exists, and its principal still exists in that tenant. The
// Caller's groups are the token's `groups` claim: a membership change takes effect with the
// next token.
//
// Speed: every request is validated, and an RSA verification costs tens of microseconds, so
// validated tokens are cached (keyed by the token's own bytes, so a hit is an exact match of a
// token this validator verified, found by a fast non-cryptographic hash; sharded, each shard
// behind its own mutex; bounded in size). A cache entry never outlives the token's `exp`, and
// InvalidateCache() drops every entry at once (call it when a principal is deleted).
//
// Errors: Unauthenticated with reason ExpiredAuthenticationToken (past exp) or
// InvalidAuthenticationToken (everything else), and a message saying why. Store errors pass
// through. Thread-safe.

#include <array>
#include <functional>
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "access/signing_key.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/directory.h"
#include "metadata/metadata_store.h"

namespace gallery::access {

struct TokenValidatorOptions {
  std::string issuer;
  // Tolerated difference between our clock and the issuer's, for exp and nbf.
  int64_t clock_skew_ms = 5 * 60 * 1000;
  // Cached tokens at most (over all shards).
  size_t cache_entries = 16384;
};

class TokenValidator {
 public:
  static constexpr size_t kShards = 16;

  // The references must outlive the validator.
  TokenValidator(metadata::MetadataStore& store, const SigningKey& key, const Clock& clock,
                 TokenValidatorOptions options);

  // The caller `token` speaks for, when its audience is one of `audiences` (compared as
  // SameAudience does).
  Result<domain::Caller> Validate(std::string_view token,
                                  const std::vector<std::string>& audiences);

  // Forgets every validated token, so the next use of each is checked against the store again.
  void InvalidateCache();

  // Entries currently cached (for tests and metrics).
  size_t CachedEntries() const;

 private:
  struct Entry {
    domain::Caller caller;
    std::string audience;
    TimestampMs expires_at = 0;  // the token's exp, in ms
    uint64_t epoch = 0;
  };
  struct TokenHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mu;
    // key: the token itself (only tokens that passed verification are ever stored)
    std::unordered_map<std::string, Entry, TokenHash, std::equal_to<>> entries;
  };

  Result<Entry> ValidateUncached(std::string_view token);
  Shard& ShardOf(size_t hash) { return shards_[(hash >> 7) % kShards]; }
  void Remember(std::string_view token, size_t hash, Entry entry, TimestampMs now);

  metadata::MetadataStore& store_;
  const SigningKey& key_;
  const Clock& clock_;
  const TokenValidatorOptions options_;
  std::atomic<uint64_t> epoch_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace gallery::access
