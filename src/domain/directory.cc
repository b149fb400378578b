#include "domain/directory.h"

#include "common/resource_id.h"

namespace gallery::domain {

const char* PrincipalTypeName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "User";
    case PrincipalKind::kServicePrincipal:
      return "ServicePrincipal";
    case PrincipalKind::kGroup:
      return "Group";
  }
  return "Unknown";
}

std::optional<PrincipalKind> ParsePrincipalType(std::string_view text) {
  for (PrincipalKind kind :
       {PrincipalKind::kUser, PrincipalKind::kServicePrincipal, PrincipalKind::kGroup}) {
    if (EqualsIgnoreCase(text, PrincipalTypeName(kind))) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace gallery::domain
