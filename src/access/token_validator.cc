#include "access/token_validator.h"

#include <algorithm>
#include <optional>

#include "access/jwt.h"
#include "access/token_service.h"
#include "common/resource_id.h"

namespace gallery::access {

namespace {

using nlohmann::json;

constexpr int64_t kMsPerSecond = 1000;

Status Invalid(const std::string& why) {
  return Status::Unauthenticated("The access token is invalid: " + why + ".")
      .WithReason("InvalidAuthenticationToken");
}

// A NumericDate claim (seconds) in ms; nullopt when absent or not a number.
std::optional<TimestampMs> TimeClaim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_number()) {
    return std::nullopt;
  }
  return static_cast<TimestampMs>(it->get<double>() * kMsPerSecond);
}

std::string StringClaim(const json& payload, const char* name) {
  auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool AudienceAccepted(const std::string& audience, const std::vector<std::string>& accepted) {
  for (const std::string& a : accepted) {
    if (SameAudience(audience, a)) {
      return true;
    }
  }
  return false;
}

}  // namespace

TokenValidator::TokenValidator(metadata::MetadataStore& store, const SigningKey& key,
                               const Clock& clock, TokenValidatorOptions options)
    : store_(store), key_(key), clock_(clock), options_(std::move(options)) {}

Result<domain::Caller> TokenValidator::Validate(std::string_view token,
                                                const std::vector<std::string>& audiences) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return Invalid("it is empty or longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  const TimestampMs now = clock_.Now();
  const size_t hash = TokenHash{}(token);
  const uint64_t epoch = epoch_.load(std::memory_order_acquire);
  {
    Shard& shard = ShardOf(hash);
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.entries.find(token);
    if (it != shard.entries.end()) {
      if (it->second.epoch == epoch && now < it->second.expires_at) {
        if (!AudienceAccepted(it->second.audience, audiences)) {
          return Invalid("its audience '" + it->second.audience + "' is not accepted here");
        }
        return it->second.caller;
      }
      shard.entries.erase(it);
    }
  }
  GALLERY_ASSIGN_OR_RETURN(Entry entry, ValidateUncached(token));
  if (!AudienceAccepted(entry.audience, audiences)) {
    return Invalid("its audience '" + entry.audience + "' is not accepted here");
  }
  entry.epoch = epoch;
  domain::Caller caller = entry.caller;
  Remember(token, hash, std::move(entry), now);
  return caller;
}

Result<TokenValidator::Entry> TokenValidator::ValidateUncached(std::string_view token) {
  GALLERY_ASSIGN_OR_RETURN(Jwt jwt, DecodeVerifiedJwt(token, key_));
  const json& claims = jwt.payload;
  const TimestampMs now = clock_.Now();
  if (StringClaim(claims, "iss") != options_.issuer) {
    return Invalid("its issuer '" + StringClaim(claims, "iss") + "' is not " + options_.issuer);
  }
  std::optional<TimestampMs> exp = TimeClaim(claims, "exp");
  std::optional<TimestampMs> nbf = TimeClaim(claims, "nbf");
  if (!exp.has_value() || !nbf.has_value()) {
    return Invalid("it has no exp or nbf claim");
  }
  if (now >= *exp + options_.clock_skew_ms) {
    return Status::Unauthenticated("The access token expiry UTC time '" + FormatTimestamp(*exp) +
                                   "' is earlier than current UTC time '" + FormatTimestamp(now) +
                                   "'.")
        .WithReason("ExpiredAuthenticationToken");
  }
  if (now + options_.clock_skew_ms < *nbf) {
    return Invalid("it is not valid before " + FormatTimestamp(*nbf));
  }
  Entry entry;
  entry.audience = StringClaim(claims, "aud");
  entry.expires_at = *exp;
  domain::Caller& caller = entry.caller;
  caller.tenant_id = StringClaim(claims, "tid");
  caller.object_id = StringClaim(claims, "oid");
  if (caller.tenant_id.empty() || caller.object_id.empty()) {
    return Invalid("it names no tenant (tid) or principal (oid)");
  }
  auto groups = claims.find("groups");
  if (groups != claims.end()) {
    if (!groups->is_array()) {
      return Invalid("its groups claim is not an array");
    }
    for (const json& g : *groups) {
      if (!g.is_string()) {
        return Invalid("its groups claim holds a value that is not a string");
      }
      caller.group_ids.push_back(g.get<std::string>());
    }
  }
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Tenant> tenant, tx->GetTenant(caller.tenant_id));
  if (!tenant.has_value()) {
    return Invalid("its tenant '" + caller.tenant_id + "' does not exist");
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Principal> principal,
                           tx->GetPrincipal(caller.object_id));
  if (!principal.has_value() || !EqualsIgnoreCase(principal->tenant_id, caller.tenant_id)) {
    return Invalid("its principal '" + caller.object_id + "' no longer exists in tenant '" +
                   caller.tenant_id + "'");
  }
  caller.tenant_id = principal->tenant_id;
  caller.object_id = principal->object_id;
  caller.kind = principal->kind;
  caller.display_name = principal->kind == domain::PrincipalKind::kUser
                            ? principal->user_principal_name
                            : principal->display_name;
  return entry;
}

void TokenValidator::Remember(std::string_view token, size_t hash, Entry entry,
                              TimestampMs now) {
  const size_t per_shard = std::max<size_t>(1, options_.cache_entries / kShards);
  Shard& shard = ShardOf(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.entries.size() >= per_shard) {
    std::erase_if(shard.entries, [&](const auto& kv) {
      return now >= kv.second.expires_at || kv.second.epoch != entry.epoch;
    });
  }
  if (shard.entries.size() >= per_shard) {
    shard.entries.erase(shard.entries.begin());  // still full of live tokens: drop any one
  }
  shard.entries.insert_or_assign(std::string(token), std::move(entry));
}

void TokenValidator::InvalidateCache() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.entries.clear();
  }
}

size_t TokenValidator::CachedEntries() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace gallery::access
