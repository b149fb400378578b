#include "domain/registration.h"

namespace gallery::domain {

std::string_view ToString(RegistrationState state) {
  switch (state) {
    case RegistrationState::kNotRegistered:
      return "NotRegistered";
    case RegistrationState::kRegistering:
      return "Registering";
    case RegistrationState::kRegistered:
      return "Registered";
    case RegistrationState::kUnregistering:
      return "Unregistering";
    case RegistrationState::kUnregistered:
      return "Unregistered";
  }
  return "Unknown";
}

std::string_view ToString(RegistrationKind kind) {
  return kind == RegistrationKind::kProvider ? "Provider" : "Feature";
}

RegistrationState EffectiveState(const Registration& r, TimestampMs now, int64_t delay_ms) {
  const bool done = now - r.changed_at >= delay_ms;
  if (r.state == RegistrationState::kRegistering && done) {
    return RegistrationState::kRegistered;
  }
  if (r.state == RegistrationState::kUnregistering && done) {
    return RegistrationState::kUnregistered;
  }
  return r.state;
}

}  // namespace gallery::domain
