// `gallery feature register|unregister|show|list` and `gallery provider
// register|unregister|show|list`: a subscription's preview features and resource providers,
// in az's vocabulary (`az feature register --namespace Microsoft.Compute --name GalleryPreview`,
// `az provider register -n Microsoft.Compute`).

#include "cli/arm_paths.h"
#include "cli/context.h"
#include "client/url.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct FeatureOptions {
  std::string provider;
  std::string name;
  CommonOptions common;
};

struct ProviderOptions {
  std::string provider;
  CommonOptions common;
};

std::vector<Column> FeatureColumns() {
  return {FieldColumn("Name", "name"), FieldColumn("RegistrationState", "properties.state")};
}

std::vector<Column> ProviderColumns() {
  return {FieldColumn("Namespace", "namespace"),
          FieldColumn("RegistrationState", "registrationState"),
          FieldColumn("RegistrationPolicy", "registrationPolicy")};
}

// /subscriptions/{s}/providers/Microsoft.Features/providers/{ns}/features[/{name}]
std::string FeaturePath(const Session& s, const FeatureOptions& o) {
  std::string path = SubscriptionPath(s.subscription) + "/providers/Microsoft.Features";
  if (!o.provider.empty()) {
    path += "/providers/" + PercentEncode(o.provider);
  }
  path += "/features";
  if (!o.name.empty()) {
    path += "/" + PercentEncode(o.name);
  }
  return path;
}

std::string ProviderPath(const Session& s, const ProviderOptions& o) {
  std::string path = SubscriptionPath(s.subscription) + "/providers";
  if (!o.provider.empty()) {
    path += "/" + PercentEncode(o.provider);
  }
  return path;
}

// `action` is "" (show), "register" or "unregister".
Status Feature(CommandContext& ctx, const FeatureOptions& o, const std::string& action) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  const std::string path = FeaturePath(s, o);
  GALLERY_ASSIGN_OR_RETURN(json feature, action.empty()
                                             ? s.arm->Get(path, api::kFeatures)
                                             : s.arm->Post(path + "/" + action, api::kFeatures,
                                                           json::object(), ctx.Lro(false)));
  return ctx.Print(o.common, feature, FeatureColumns());
}

Status ListFeatures(CommandContext& ctx, const FeatureOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json features, s.arm->List(FeaturePath(s, o), api::kFeatures));
  return ctx.Print(o.common, features, FeatureColumns());
}

Status Provider(CommandContext& ctx, const ProviderOptions& o, const std::string& action) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  const std::string path = ProviderPath(s, o);
  GALLERY_ASSIGN_OR_RETURN(json provider, action.empty()
                                              ? s.arm->Get(path, api::kProviders)
                                              : s.arm->Post(path + "/" + action, api::kProviders,
                                                            json::object(), ctx.Lro(false)));
  return ctx.Print(o.common, provider, ProviderColumns());
}

Status ListProviders(CommandContext& ctx, const ProviderOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json providers, s.arm->List(ProviderPath(s, o), api::kProviders));
  return ctx.Print(o.common, providers, ProviderColumns());
}

}  // namespace

void RegisterRegistrationCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* feature = root.add_subcommand("feature", "Preview features of the subscription");
  feature->require_subcommand(1);
  for (const char* action : {"register", "unregister", "show"}) {
    auto o = std::make_shared<FeatureOptions>();
    CLI::App* cmd = feature->add_subcommand(
        action, std::string(action) == "show" ? "Show a feature's registration state"
                                              : std::string("Ask to ") + action + " a feature");
    cmd->add_option("--namespace", o->provider, "Resource provider, e.g. Microsoft.Compute")
        ->required();
    cmd->add_option("-n,--name", o->name, "Feature, e.g. GalleryPreview")->required();
    AddCommonOptions(cmd, &o->common);
    const std::string verb = std::string(action) == "show" ? "" : action;
    OnRun(cmd, ctx, [&ctx, o, verb] { return Feature(ctx, *o, verb); });
  }
  auto list_features = std::make_shared<FeatureOptions>();
  CLI::App* flist = feature->add_subcommand("list", "List preview features and their states");
  flist->add_option("--namespace", list_features->provider, "Only this resource provider's");
  AddCommonOptions(flist, &list_features->common);
  OnRun(flist, ctx, [&ctx, list_features] { return ListFeatures(ctx, *list_features); });

  CLI::App* provider = root.add_subcommand("provider", "Resource providers of the subscription");
  provider->require_subcommand(1);
  for (const char* action : {"register", "unregister", "show"}) {
    auto o = std::make_shared<ProviderOptions>();
    CLI::App* cmd = provider->add_subcommand(
        action, std::string(action) == "show"
                    ? "Show a resource provider, its state and resource types"
                    : std::string("Ask to ") + action + " a resource provider");
    cmd->add_option("-n,--namespace", o->provider, "Resource provider, e.g. Microsoft.Compute")
        ->required();
    AddCommonOptions(cmd, &o->common);
    const std::string verb = std::string(action) == "show" ? "" : action;
    OnRun(cmd, ctx, [&ctx, o, verb] { return Provider(ctx, *o, verb); });
  }
  auto list_providers = std::make_shared<ProviderOptions>();
  CLI::App* plist = provider->add_subcommand("list", "List resource providers and their states");
  AddCommonOptions(plist, &list_providers->common);
  OnRun(plist, ctx, [&ctx, list_providers] { return ListProviders(ctx, *list_providers); });
}

}  // namespace gallery::cli
