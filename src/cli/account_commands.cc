// `gallery login`, `gallery logout` and `gallery account show|list|set|subscription create`:
// the saved profile.

#include <filesystem>

#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"
#include "client/url.h"
#include "common/file_util.h"
#include "common/resource_id.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct LoginOptions {
  std::string bootstrap;
  std::string endpoint;
  std::string ca_cert;
  std::string tenant;
  std::string client_id;
  std::string client_secret;
  std::string username;
  std::string password;
  std::string subscription;
  CommonOptions common;
};

std::string JsonString(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Fills the connection and credential fields of `profile` from a bootstrap file that galleryd
// wrote; returns the subscription it names ("" if none). A relative caCertificate is relative
// to the bootstrap file's directory.
Result<std::string> ReadBootstrap(const std::string& path, Profile* profile) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return UsageError("argument --bootstrap: cannot read '" + path +
                      "': " + text.status().message());
  }
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return UsageError("argument --bootstrap: '" + path + "' is not a JSON object");
  }
  profile->arm_endpoint = JsonString(j, "armEndpoint");
  profile->ca_certificate = JsonString(j, "caCertificate");
  profile->tenant_id = JsonString(j, "tenantId");
  profile->client_id = JsonString(j, "clientId");
  profile->client_secret = JsonString(j, "clientSecret");
  if (profile->arm_endpoint.empty() || profile->ca_certificate.empty()) {
    return UsageError("argument --bootstrap: '" + path +
                      "' must name armEndpoint and caCertificate");
  }
  std::filesystem::path ca(profile->ca_certificate);
  if (ca.is_relative()) {
    profile->ca_certificate = (std::filesystem::path(path).parent_path() / ca).string();
  }
  return JsonString(j, "subscriptionId");
}

// A service principal logs in with --tenant, --client-id and --client-secret; a user with
// --username and --password (--tenant optional).
Status CheckLoginFlags(const LoginOptions& o) {
  const bool user = !o.username.empty() || !o.password.empty();
  std::vector<std::pair<const char*, const std::string*>> required = {{"--endpoint", &o.endpoint},
                                                                      {"--ca-cert", &o.ca_cert}};
  if (user) {
    required.insert(required.end(), {{"--username", &o.username}, {"--password", &o.password}});
  } else {
    required.insert(required.end(), {{"--tenant", &o.tenant},
                                     {"--client-id", &o.client_id},
                                     {"--client-secret", &o.client_secret}});
  }
  std::string missing;
  for (const auto& [flag, value] : required) {
    if (value->empty()) {
      missing += missing.empty() ? "" : ", ";
      missing += flag;
    }
  }
  if (!missing.empty()) {
    return UsageError(
        "login needs --bootstrap FILE, or --endpoint, --ca-cert and either --tenant, "
        "--client-id and --client-secret (a service principal) or --username and --password "
        "(a user); missing: " +
        missing);
  }
  if (user && !o.client_secret.empty()) {
    return UsageError("login takes --client-secret or --password, not both");
  }
  return Status::Ok();
}

// The subscription the login selects: `wanted` (id or name) when given, else the first
// Enabled one.
Result<std::string> PickSubscription(const Profile& profile, const std::string& wanted) {
  if (!wanted.empty()) {
    const SubscriptionInfo* found = profile.FindSubscription(wanted);
    if (found == nullptr) {
      return Status::NotFound("The subscription '" + wanted + "' is not among the " +
                              std::to_string(profile.subscriptions.size()) +
                              " subscriptions that " + profile.arm_endpoint +
                              " lists for this login.")
          .WithReason("SubscriptionNotFound");
    }
    return found->subscription_id;
  }
  for (const SubscriptionInfo& s : profile.subscriptions) {
    if (EqualsIgnoreCase(s.state, "Enabled")) {
      return s.subscription_id;
    }
  }
  return Status::FailedPrecondition("No enabled subscription found at " + profile.arm_endpoint +
                                    " for this login.")
      .WithReason("SubscriptionNotFound");
}

Status Login(CommandContext& ctx, const LoginOptions& o) {
  Profile profile;
  std::string wanted = o.subscription;
  if (!o.bootstrap.empty()) {
    GALLERY_ASSIGN_OR_RETURN(std::string bootstrap_subscription,
                             ReadBootstrap(o.bootstrap, &profile));
    if (wanted.empty()) {
      wanted = bootstrap_subscription;
    }
  } else {
    GALLERY_RETURN_IF_ERROR(CheckLoginFlags(o));
    profile.arm_endpoint = o.endpoint;
    profile.ca_certificate = o.ca_cert;
    profile.tenant_id = o.tenant;
    profile.client_id = o.client_id;
    profile.client_secret = o.client_secret;
    profile.user_name = o.username;
    profile.password = o.password;
  }
  std::error_code ec;
  std::filesystem::path ca = std::filesystem::absolute(profile.ca_certificate, ec);
  if (!ec) {
    profile.ca_certificate = ca.lexically_normal().string();
  }
  Result<ArmClient*> arm = ctx.ConnectTo(profile);
  if (!arm.ok()) {
    // A CA file that cannot be used is a bad argument; anything else is the server's answer.
    return arm.status().code() == StatusCode::kFailedPrecondition
               ? UsageError(arm.status().message())
               : arm.status();
  }
  GALLERY_ASSIGN_OR_RETURN(json subscriptions, (*arm)->List("/subscriptions", api::kSubscriptions));
  for (const json& s : subscriptions) {
    Result<SubscriptionInfo> info = SubscriptionFromArm(s);
    if (info.ok()) {
      profile.subscriptions.push_back(std::move(info).value());
    }
  }
  // What the connection learned: the authority, the resources and the token just fetched.
  const Profile& connected = ctx.profile();
  profile.authority = connected.authority;
  profile.arm_resource = connected.arm_resource;
  profile.graph_resource = connected.graph_resource;
  profile.access_tokens = connected.access_tokens;
  GALLERY_ASSIGN_OR_RETURN(profile.subscription_id, PickSubscription(profile, wanted));
  const SubscriptionInfo* current = profile.FindSubscription(profile.subscription_id);
  if (profile.tenant_id.empty()) {
    profile.tenant_id = current->tenant_id;
  }
  GALLERY_RETURN_IF_ERROR(ctx.profiles().Save(profile));
  return ctx.Print(o.common, profile.AccountJson(*current), AccountColumns());
}

Status AccountShow(CommandContext& ctx, const CommonOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Profile profile, ctx.LoadProfile());
  std::string wanted = o.subscription.empty() ? profile.subscription_id : o.subscription;
  const SubscriptionInfo* found = profile.FindSubscription(wanted);
  if (found == nullptr) {
    if (!o.subscription.empty()) {
      return Status::NotFound("The subscription '" + wanted +
                              "' is not in the profile; see 'gallery account list'.")
          .WithReason("SubscriptionNotFound");
    }
    SubscriptionInfo current{profile.subscription_id, "", "", profile.tenant_id};
    return ctx.Print(o, profile.AccountJson(current), AccountColumns());
  }
  return ctx.Print(o, profile.AccountJson(*found), AccountColumns());
}

Status AccountList(CommandContext& ctx, const CommonOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Profile profile, ctx.LoadProfile());
  json accounts = json::array();
  for (const SubscriptionInfo& s : profile.subscriptions) {
    accounts.push_back(profile.AccountJson(s));
  }
  return ctx.Print(o, accounts, AccountColumns());
}

Status AccountSet(CommandContext& ctx, const std::string& subscription) {
  GALLERY_ASSIGN_OR_RETURN(Profile profile, ctx.LoadProfile());
  const SubscriptionInfo* found = profile.FindSubscription(subscription);
  if (found == nullptr) {
    return Status::NotFound("The subscription '" + subscription +
                            "' is not in the profile; see 'gallery account list'.")
        .WithReason("SubscriptionNotFound");
  }
  profile.subscription_id = found->subscription_id;
  return ctx.profiles().Save(profile);
}

Status Logout(CommandContext& ctx) { return ctx.profiles().Remove(); }

// PUT /providers/Microsoft.Subscription/aliases/{name}: a new subscription of the login's
// tenant, which joins the profile's subscriptions.
Status CreateSubscription(CommandContext& ctx, const std::string& name,
                          const std::string& display_name, const CommonOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session session, ctx.Connect(o));
  GALLERY_ASSIGN_OR_RETURN(
      json alias,
      session.arm->Put("/providers/Microsoft.Subscription/aliases/" + PercentEncode(name),
                       api::kSubscriptionAliases,
                       {{"properties",
                         {{"displayName", display_name.empty() ? name : display_name},
                          {"workload", "Production"}}}}));
  const json& props = alias.is_object() ? alias["properties"] : json();
  if (!props.is_object() || !props.value("subscriptionId", json()).is_string()) {
    return Status::Internal(
        "the server answered the subscription alias without a "
        "subscriptionId");
  }
  Profile profile = ctx.profile();
  const std::string id = props["subscriptionId"].get<std::string>();
  if (profile.FindSubscription(id) == nullptr) {
    profile.subscriptions.push_back(
        {id, props.value("displayName", name), "Enabled", profile.tenant_id});
    GALLERY_RETURN_IF_ERROR(ctx.profiles().Save(profile));
  }
  return ctx.Print(
      o, alias,
      {FieldColumn("Name", "name"), FieldColumn("SubscriptionId", "properties.subscriptionId"),
       FieldColumn("DisplayName", "properties.displayName")});
}

}  // namespace

void RegisterAccountCommands(CLI::App& root, CommandContext& ctx) {
  auto lo = std::make_shared<LoginOptions>();
  CLI::App* login = root.add_subcommand(
      "login",
      "Log in to a Gallery server (verifies by listing subscriptions) and save the "
      "profile");
  CLI::Option* bootstrap = login->add_option(
      "--bootstrap", lo->bootstrap, "bootstrap.json written by galleryd in its data directory");
  std::vector<CLI::Option*> explicit_flags = {
      login->add_option("--endpoint", lo->endpoint, "ARM endpoint, e.g. https://127.0.0.1:8443/"),
      login->add_option("--ca-cert", lo->ca_cert, "PEM file of the CA that signed the server"),
      login->add_option("--tenant", lo->tenant, "Tenant id"),
      login->add_option("--client-id", lo->client_id, "Service principal (application) id"),
      login->add_option("--client-secret", lo->client_secret, "Service principal secret"),
      login->add_option("--username", lo->username, "User principal name (a user login)"),
      login->add_option("--password", lo->password, "The user's password")};
  for (CLI::Option* flag : explicit_flags) {
    bootstrap->excludes(flag);
  }
  login->add_option("--subscription", lo->subscription,
                    "Subscription to select (default: the bootstrap's, else the first Enabled)");
  AddOutputOption(login, &lo->common);
  OnRun(login, ctx, [&ctx, lo] { return Login(ctx, *lo); });

  CLI::App* account = root.add_subcommand("account", "The subscriptions of the saved profile");
  account->require_subcommand(1);

  auto show_opts = std::make_shared<CommonOptions>();
  CLI::App* show = account->add_subcommand("show", "Show the current subscription");
  AddCommonOptions(show, show_opts.get());
  OnRun(show, ctx, [&ctx, show_opts] { return AccountShow(ctx, *show_opts); });

  auto list_opts = std::make_shared<CommonOptions>();
  CLI::App* list = account->add_subcommand("list", "List the subscriptions of the login");
  AddOutputOption(list, list_opts.get());
  OnRun(list, ctx, [&ctx, list_opts] { return AccountList(ctx, *list_opts); });

  CLI::App* logout =
      root.add_subcommand("logout", "Forget the saved profile, its credentials and tokens");
  OnRun(logout, ctx, [&ctx] { return Logout(ctx); });

  CLI::App* subscription = account->add_subcommand("subscription", "Subscriptions of the tenant");
  subscription->require_subcommand(1);
  struct SubscriptionOptions {
    std::string name;
    std::string display_name;
    CommonOptions common;
  };
  auto sub_opts = std::make_shared<SubscriptionOptions>();
  CLI::App* create = subscription->add_subcommand(
      "create", "Create a subscription (needs a directory administrator); you become its Owner");
  create->add_option("-n,--name", sub_opts->name, "Alias naming the subscription")->required();
  create->add_option("--display-name", sub_opts->display_name, "Display name (default: --name)");
  AddCommonOptions(create, &sub_opts->common);
  OnRun(create, ctx, [&ctx, sub_opts] {
    return CreateSubscription(ctx, sub_opts->name, sub_opts->display_name, sub_opts->common);
  });

  auto set_subscription = std::make_shared<std::string>();
  CLI::App* set = account->add_subcommand("set", "Make a subscription the current one");
  set->add_option("-s,--subscription", *set_subscription, "Subscription id or name")->required();
  OnRun(set, ctx, [&ctx, set_subscription] { return AccountSet(ctx, *set_subscription); });
}

}  // namespace gallery::cli
