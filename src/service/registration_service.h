#pragma once
// RegistrationService: a subscription's resource provider and preview feature registrations
// (`az provider register -n Microsoft.Compute`, `az feature register --namespace
// Microsoft.Compute --name GalleryPreview`), kept durably per subscription.
//
// Register asks for Registering (nothing changes when already Registering or Registered);
// Unregister asks for Unregistering (nothing changes unless Registering or Registered). The
// transition completes by time (registration.h) after the configured delay. Providers that
// need no registration (provider_catalog.h) are Registered until unregistered.
// Errors: NotFound (SubscriptionNotFound) for a subscription that is not the caller's tenant's,
// (InvalidResourceNamespace) for an unknown provider, (FeatureNotFound) for an unknown feature;
// the store's. Thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "domain/provider_catalog.h"
#include "domain/registration.h"
#include "metadata/metadata_store.h"
#include "service/access_guard.h"
#include "service/gallery_service.h"
#include "service/request_context.h"

namespace gallery::service {

struct FeatureState {
  const domain::FeatureInfo* feature = nullptr;  // from the catalog; never null
  domain::RegistrationState state = domain::RegistrationState::kNotRegistered;
};

struct ProviderState {
  const domain::ProviderInfo* provider = nullptr;  // from the catalog; never null
  domain::RegistrationState state = domain::RegistrationState::kNotRegistered;
};

class RegistrationService {
 public:
  // The references must outlive the service. Registering and unregistering need the actions
  // Azure names ("{namespace}/register/action", "Microsoft.Features/providers/features/
  // register/action", and the unregister ones) at the subscription: Owner and Contributor hold
  // them, a Reader does not.
  RegistrationService(metadata::MetadataStore& store, GalleryService& gallery,
                      access::Authorizer& authorizer, const Clock& clock, int64_t delay_ms);

  Result<FeatureState> GetFeature(const RequestContext& ctx, const std::string& subscription,
                                  std::string_view provider, std::string_view feature);
  // Every known feature, or those of `provider` when it is not empty.
  Result<std::vector<FeatureState>> ListFeatures(const RequestContext& ctx,
                                                 const std::string& subscription,
                                                 std::string_view provider);
  Result<FeatureState> RegisterFeature(const RequestContext& ctx, const std::string& subscription,
                                       std::string_view provider, std::string_view feature);
  Result<FeatureState> UnregisterFeature(const RequestContext& ctx, const std::string& subscription,
                                         std::string_view provider, std::string_view feature);

  Result<ProviderState> GetProvider(const RequestContext& ctx, const std::string& subscription,
                                    std::string_view provider);
  Result<std::vector<ProviderState>> ListProviders(const RequestContext& ctx,
                                                   const std::string& subscription);
  Result<ProviderState> RegisterProvider(const RequestContext& ctx, const std::string& subscription,
                                         std::string_view provider);
  Result<ProviderState> UnregisterProvider(const RequestContext& ctx,
                                           const std::string& subscription,
                                           std::string_view provider);

 private:
  // `request`: nullopt reads, true registers, false unregisters.
  Result<FeatureState> Feature(const RequestContext& ctx, const std::string& subscription,
                               std::string_view provider, std::string_view feature,
                               std::optional<bool> request);
  Result<ProviderState> Provider(const RequestContext& ctx, const std::string& subscription,
                                 std::string_view provider, std::optional<bool> request);
  // Reads (and with `request` set, changes) the registration `name` of `kind`.
  Result<domain::RegistrationState> Apply(const RequestContext& ctx,
                                          const std::string& subscription,
                                          domain::RegistrationKind kind, const std::string& name,
                                          bool registered_by_default, std::optional<bool> request);

  metadata::MetadataStore& store_;
  GalleryService& gallery_;
  AccessGuard guard_;
  const Clock& clock_;
  int64_t delay_ms_;
};

// The registration state of `name` in `subscription` now (`registered_by_default` when it was
// never requested).
Result<domain::RegistrationState> RegistrationStateOf(
    metadata::Transaction& tx, const std::string& subscription, domain::RegistrationKind kind,
    const std::string& name, bool registered_by_default, TimestampMs now, int64_t delay_ms);

// OK when the subscription has registered the preview feature galleries need; otherwise
// InvalidArgument, reason "SubscriptionNotRegisteredForFeature", with a message naming the
// command that registers it.
Status RequireGalleryPreview(metadata::Transaction& tx, const std::string& subscription,
                             TimestampMs now, int64_t delay_ms);

}  // namespace gallery::service
