#pragma once
// The directory: tenants, their subscriptions, and the principals that act in them.
// Nothing crosses a tenant: every subscription and principal belongs to exactly one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace gallery::domain {

struct Tenant {
  std::string id;  // GUID
  std::string display_name;
  TimestampMs created_at = 0;
};

struct Subscription {
  std::string id;  // GUID
  std::string tenant_id;
  std::string display_name;
  std::string state = "Enabled";  // Enabled | Disabled
  TimestampMs created_at = 0;
};

enum class PrincipalKind { kServicePrincipal, kUser, kGroup };

struct Principal {
  std::string object_id;  // GUID
  std::string tenant_id;
  PrincipalKind kind = PrincipalKind::kServicePrincipal;
  std::string display_name;
  std::string app_id;               // service principals: the client id
  std::string user_principal_name;  // users: alice@contoso.example
  // Salted PBKDF2 hash of the secret or password ("pbkdf2-sha256$iter$salt$hash"); the secret
  // itself is never stored.
  std::string secret_hash;
  // May create directory objects (users, service principals, groups, memberships) and
  // subscriptions in its tenant. The bootstrap administrator is one.
  bool directory_admin = false;
  TimestampMs created_at = 0;
};

// "User", "ServicePrincipal", "Group": ARM's principalType, and how principals are stored.
const char* PrincipalTypeName(PrincipalKind kind);
// The kind named by an ARM principalType (any casing); nullopt for any other text.
std::optional<PrincipalKind> ParsePrincipalType(std::string_view text);

// The principal a request acts as, as its access token describes it. Every handler receives
// one. Access checks use the principal and its groups together.
struct Caller {
  std::string tenant_id;
  std::string object_id;
  std::string display_name;  // upn for users, display name otherwise (for error messages)
  PrincipalKind kind = PrincipalKind::kServicePrincipal;
  // Object ids of every group the principal belongs to, directly or through nested groups,
  // when its token was issued (a removal takes effect with the next token).
  std::vector<std::string> group_ids;
};

}  // namespace gallery::domain
