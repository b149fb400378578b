#include "api/registration_api.h"

#include "api/wire_registration.h"

namespace gallery::api {

namespace {

template <typename T, typename Render>
nlohmann::json ValueList(const std::vector<T>& items, Render render) {
  nlohmann::json value = nlohmann::json::array();
  for (const T& item : items) {
    value.push_back(render(item));
  }
  return {{"value", std::move(value)}};
}

}  // namespace

Result<nlohmann::json> AnswerRegistrationRoute(service::RegistrationService& registrations,
                                               const domain::RegionCatalog& regions,
                                               const ArmRoute& route,
                                               const service::RequestContext& ctx) {
  const std::string& sub = route.id.subscription();
  auto feature = [&](const service::FeatureState& f) { return FeatureToWire(sub, f); };
  auto provider = [&](const service::ProviderState& p) { return ProviderToWire(sub, p, regions); };
  switch (route.kind) {
    case RouteKind::kProviders: {
      GALLERY_ASSIGN_OR_RETURN(auto all, registrations.ListProviders(ctx, sub));
      return ValueList(all, provider);
    }
    case RouteKind::kProvider: {
      GALLERY_ASSIGN_OR_RETURN(auto p,
                               registrations.GetProvider(ctx, sub, route.provider_namespace));
      return provider(p);
    }
    case RouteKind::kProviderAction: {
      GALLERY_ASSIGN_OR_RETURN(
          auto p, route.unregister
                      ? registrations.UnregisterProvider(ctx, sub, route.provider_namespace)
                      : registrations.RegisterProvider(ctx, sub, route.provider_namespace));
      return provider(p);
    }
    case RouteKind::kFeatures:
    case RouteKind::kProviderFeatures: {
      GALLERY_ASSIGN_OR_RETURN(auto all,
                               registrations.ListFeatures(ctx, sub, route.provider_namespace));
      return ValueList(all, feature);
    }
    case RouteKind::kFeature: {
      GALLERY_ASSIGN_OR_RETURN(
          auto f, registrations.GetFeature(ctx, sub, route.provider_namespace, route.feature_name));
      return feature(f);
    }
    case RouteKind::kFeatureAction: {
      GALLERY_ASSIGN_OR_RETURN(
          auto f, route.unregister ? registrations.UnregisterFeature(
                                         ctx, sub, route.provider_namespace, route.feature_name)
                                   : registrations.RegisterFeature(
                                         ctx, sub, route.provider_namespace, route.feature_name));
      return feature(f);
    }
    default:
      return Status::Internal("not a registration route");
  }
}

}  // namespace gallery::api
