#pragma once
// Registration: a subscription's registration of a resource provider ("Microsoft.Compute") or
// of a preview feature ("Microsoft.Compute/GalleryPreview"), as `az provider register` and
// `az feature register` make it.
//
// What is stored is the last request and when it was made: Registering or Unregistering. A
// reader sees the transition complete `delay_ms` after the request (EffectiveState), so the
// state advances by time alone, survives restarts, and needs no background work. A provider
// or feature never requested is NotRegistered (or, for providers that need no registration,
// Registered: see provider_catalog.h).

#include <string>
#include <string_view>

#include "common/time.h"

namespace gallery::domain {

enum class RegistrationKind { kProvider, kFeature };
enum class RegistrationState {
  kNotRegistered,
  kRegistering,
  kRegistered,
  kUnregistering,
  kUnregistered
};

// "NotRegistered", "Registering", "Registered", "Unregistering", "Unregistered".
std::string_view ToString(RegistrationState state);
std::string_view ToString(RegistrationKind kind);  // "Provider", "Feature"

struct Registration {
  std::string subscription;
  RegistrationKind kind = RegistrationKind::kProvider;
  // Canonical casing: "Microsoft.Compute", or "Microsoft.Compute/GalleryPreview" for features.
  std::string name;
  RegistrationState state = RegistrationState::kRegistering;  // as requested
  TimestampMs changed_at = 0;
};

// The state `now`: Registering becomes Registered and Unregistering becomes Unregistered once
// `delay_ms` have passed since changed_at; other states are as stored.
RegistrationState EffectiveState(const Registration& registration, TimestampMs now,
                                 int64_t delay_ms);

}  // namespace gallery::domain
