#include "service/registration_service.h"

#include "common/log.h"

namespace gallery::service {

using domain::RegistrationKind;
using domain::RegistrationState;

Result<RegistrationState> RegistrationStateOf(metadata::Transaction& tx,
                                              const std::string& subscription,
                                              RegistrationKind kind, const std::string& name,
                                              bool registered_by_default, TimestampMs now,
                                              int64_t delay_ms) {
  GALLERY_ASSIGN_OR_RETURN(std::vector<domain::Registration> all,
                           tx.ListRegistrations(subscription));
  for (const domain::Registration& r : all) {
    if (r.kind == kind && EqualsIgnoreCase(r.name, name)) {
      return domain::EffectiveState(r, now, delay_ms);
    }
  }
  return registered_by_default ? RegistrationState::kRegistered : RegistrationState::kNotRegistered;
}

Status RequireGalleryPreview(metadata::Transaction& tx, const std::string& subscription,
                             TimestampMs now, int64_t delay_ms) {
  const std::string name = std::string(domain::kGalleryPreviewProvider) + "/" +
                           std::string(domain::kGalleryPreviewFeature);
  GALLERY_ASSIGN_OR_RETURN(RegistrationState state,
                           RegistrationStateOf(tx, subscription, RegistrationKind::kFeature, name,
                                               false, now, delay_ms));
  if (state == RegistrationState::kRegistered) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
             "The subscription '" + subscription + "' is not registered for the feature " + name +
             " (its state is " + std::string(domain::ToString(state)) +
             "), which creating a gallery requires. Register it with 'az feature register "
             "--namespace " +
             std::string(domain::kGalleryPreviewProvider) + " --name " +
             std::string(domain::kGalleryPreviewFeature) +
             "' (or 'gallery feature register ...'), then retry once 'az feature show' says "
             "Registered.")
      .WithReason("SubscriptionNotRegisteredForFeature");
}

RegistrationService::RegistrationService(metadata::MetadataStore& store, GalleryService& gallery,
                                         access::Authorizer& authorizer, const Clock& clock,
                                         int64_t delay_ms)
    : store_(store),
      gallery_(gallery),
      guard_(authorizer, store),
      clock_(clock),
      delay_ms_(delay_ms) {}

namespace {

// The action that registers (or unregisters) `name`: "{namespace}/register/action" for a
// provider, "Microsoft.Features/providers/features/register/action" for a feature.
std::string RegistrationAction(RegistrationKind kind, const std::string& name, bool registers) {
  const std::string verb = registers ? "register/action" : "unregister/action";
  return kind == RegistrationKind::kFeature ? "Microsoft.Features/providers/features/" + verb
                                            : name + "/" + verb;
}

}  // namespace

Result<RegistrationState> RegistrationService::Apply(const RequestContext& ctx,
                                                     const std::string& subscription,
                                                     RegistrationKind kind, const std::string& name,
                                                     bool registered_by_default,
                                                     std::optional<bool> request) {
  GALLERY_RETURN_IF_ERROR(gallery_.GetSubscription(ctx, subscription).status());
  if (request.has_value()) {
    GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, RegistrationAction(kind, name, *request),
                                           ResourceId::ForSubscription(subscription)));
  }
  const metadata::TxMode mode =
      request.has_value() ? metadata::TxMode::kWrite : metadata::TxMode::kRead;
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(mode));
  const TimestampMs now = clock_.Now();
  GALLERY_ASSIGN_OR_RETURN(
      RegistrationState current,
      RegistrationStateOf(*tx, subscription, kind, name, registered_by_default, now, delay_ms_));
  if (!request.has_value()) {
    return current;
  }
  const bool registered =
      current == RegistrationState::kRegistered || current == RegistrationState::kRegistering;
  if (*request == registered) {
    return current;  // already there, or on the way
  }
  domain::Registration r;
  r.subscription = subscription;
  r.kind = kind;
  r.name = name;
  r.state = *request ? RegistrationState::kRegistering : RegistrationState::kUnregistering;
  r.changed_at = now;
  GALLERY_RETURN_IF_ERROR(tx->PutRegistration(r));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("{} {} {} in subscription {} by {}", *request ? "register" : "unregister",
            domain::ToString(kind), name, subscription, ctx.caller.object_id);
  return domain::EffectiveState(r, now, delay_ms_);
}

Result<FeatureState> RegistrationService::Feature(const RequestContext& ctx,
                                                  const std::string& subscription,
                                                  std::string_view provider,
                                                  std::string_view feature,
                                                  std::optional<bool> request) {
  GALLERY_ASSIGN_OR_RETURN(const domain::FeatureInfo* f, domain::FindFeature(provider, feature));
  GALLERY_ASSIGN_OR_RETURN(
      RegistrationState state,
      Apply(ctx, subscription, RegistrationKind::kFeature, f->FullName(), false, request));
  return FeatureState{f, state};
}

Result<ProviderState> RegistrationService::Provider(const RequestContext& ctx,
                                                    const std::string& subscription,
                                                    std::string_view provider,
                                                    std::optional<bool> request) {
  GALLERY_ASSIGN_OR_RETURN(const domain::ProviderInfo* p, domain::FindProvider(provider));
  GALLERY_ASSIGN_OR_RETURN(RegistrationState state,
                           Apply(ctx, subscription, RegistrationKind::kProvider,
                                 std::string(p->name), !p->registration_required, request));
  return ProviderState{p, state};
}

Result<FeatureState> RegistrationService::GetFeature(const RequestContext& ctx,
                                                     const std::string& subscription,
                                                     std::string_view provider,
                                                     std::string_view feature) {
  return Feature(ctx, subscription, provider, feature, std::nullopt);
}

Result<FeatureState> RegistrationService::RegisterFeature(const RequestContext& ctx,
                                                          const std::string& subscription,
                                                          std::string_view provider,
                                                          std::string_view feature) {
  return Feature(ctx, subscription, provider, feature, true);
}

Result<FeatureState> RegistrationService::UnregisterFeature(const RequestContext& ctx,
                                                            const std::string& subscription,
                                                            std::string_view provider,
                                                            std::string_view feature) {
  return Feature(ctx, subscription, provider, feature, false);
}

Result<std::vector<FeatureState>> RegistrationService::ListFeatures(const RequestContext& ctx,
                                                                    const std::string& subscription,
                                                                    std::string_view provider) {
  if (!provider.empty()) {
    GALLERY_RETURN_IF_ERROR(domain::FindProvider(provider).status());
  }
  GALLERY_RETURN_IF_ERROR(gallery_.GetSubscription(ctx, subscription).status());
  std::vector<FeatureState> out;
  for (const domain::FeatureInfo& f : domain::KnownFeatures()) {
    if (provider.empty() || EqualsIgnoreCase(f.provider, provider)) {
      GALLERY_ASSIGN_OR_RETURN(FeatureState s, GetFeature(ctx, subscription, f.provider, f.name));
      out.push_back(s);
    }
  }
  return out;
}

Result<ProviderState> RegistrationService::GetProvider(const RequestContext& ctx,
                                                       const std::string& subscription,
                                                       std::string_view provider) {
  return Provider(ctx, subscription, provider, std::nullopt);
}

Result<ProviderState> RegistrationService::RegisterProvider(const RequestContext& ctx,
                                                            const std::string& subscription,
                                                            std::string_view provider) {
  return Provider(ctx, subscription, provider, true);
}

Result<ProviderState> RegistrationService::UnregisterProvider(const RequestContext& ctx,
                                                              const std::string& subscription,
                                                              std::string_view provider) {
  return Provider(ctx, subscription, provider, false);
}

Result<std::vector<ProviderState>> RegistrationService::ListProviders(
    const RequestContext& ctx, const std::string& subscription) {
  std::vector<ProviderState> out;
  for (const domain::ProviderInfo& p : domain::KnownProviders()) {
    GALLERY_ASSIGN_OR_RETURN(ProviderState s, GetProvider(ctx, subscription, p.name));
    out.push_back(s);
  }
  return out;
}

}  // namespace gallery::service
