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

// /subscriptions/{s}/providers/Microsoft.Features[/providers/{ns}]/features[/{name}]
std::string FeaturePath(const std::string& subscription, const FeatureOptions& o) {
  std::string path = SubscriptionPath(subscription) + "/providers/Microsoft.Features";
  if (!o.provider.empty()) {
    path += "/providers/" + PercentEncode(o.provider);
  }
  path += "/features";
  if (!o.name.empty()) {
    path += "/" + PercentEncode(o.name);
  }
  return path;
}

// /subscriptions/{s}/providers[/{ns}]
std::string ProviderPath(const std::string& subscription, const ProviderOptions& o) {
  std::string path = SubscriptionPath(subscription) + "/providers";
  if (!o.provider.empty()) {
    path += "/" + PercentEncode(o.provider);
  }
  return path;
}

// Sends one request about what `path_of(subscription)` names and prints the answer: GET for
// "show", POST to ".../{verb}" for "register" and "unregister", a paged GET for "list".
template <typename PathOf>
Status Send(CommandContext& ctx, const CommonOptions& common, PathOf path_of,
            std::string_view api_version, const std::string& verb,
            const std::vector<Column>& columns) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(common));
  const std::string path = path_of(s.subscription);
  Result<json> answer = verb == "show"   ? s.arm->Get(path, api_version)
                        : verb == "list" ? s.arm->List(path, api_version)
                                         : s.arm->Post(path + "/" + verb, api_version,
                                                       json::object(), ctx.Lro(false));
  GALLERY_RETURN_IF_ERROR(answer.status());
  return ctx.Print(common, *answer, columns);
}

Status Feature(CommandContext& ctx, const FeatureOptions& o, const std::string& verb) {
  return Send(
      ctx, o.common, [&o](const std::string& sub) { return FeaturePath(sub, o); }, api::kFeatures,
      verb, FeatureColumns());
}

Status Provider(CommandContext& ctx, const ProviderOptions& o, const std::string& verb) {
  return Send(
      ctx, o.common, [&o](const std::string& sub) { return ProviderPath(sub, o); }, api::kProviders,
      verb, ProviderColumns());
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
    OnRun(cmd, ctx, [&ctx, o, verb = std::string(action)] { return Feature(ctx, *o, verb); });
  }
  auto list_features = std::make_shared<FeatureOptions>();
  CLI::App* flist = feature->add_subcommand("list", "List preview features and their states");
  flist->add_option("--namespace", list_features->provider, "Only this resource provider's");
  AddCommonOptions(flist, &list_features->common);
  OnRun(flist, ctx, [&ctx, list_features] { return Feature(ctx, *list_features, "list"); });

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
    OnRun(cmd, ctx, [&ctx, o, verb = std::string(action)] { return Provider(ctx, *o, verb); });
  }
  auto list_providers = std::make_shared<ProviderOptions>();
  CLI::App* plist = provider->add_subcommand("list", "List resource providers and their states");
  AddCommonOptions(plist, &list_providers->common);
  OnRun(plist, ctx, [&ctx, list_providers] { return Provider(ctx, *list_providers, "list"); });
}

}  // namespace gallery::cli
