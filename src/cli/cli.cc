#include "cli/cli.h"

#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"
#include "client/token_credential_provider.h"
#include "client/url.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kSpinnerFrames = "|/-\\";

int ExitCodeFor(const Status& status) {
  if (IsUsageError(status)) {
    return kExitUsage;
  }
  if (status.code() == StatusCode::kNotFound) {
    return kExitNotFound;
  }
  return kExitError;
}

void ReportError(const Status& status, std::ostream& err) {
  if (IsUsageError(status) || status.reason().empty()) {
    err << "ERROR: " << status.message() << "\n";
    return;
  }
  err << "ERROR: (" << status.reason() << ") " << status.message() << "\n";
  if (!status.target().empty()) {
    err << "Target: " << status.target() << "\n";
  }
}

}  // namespace

void AddOutputOption(CLI::App* command, CommonOptions* options) {
  command->add_option("-o,--output", options->output, "Output format")
      ->transform(CLI::IsMember({"json", "table", "tsv", "none"}, CLI::ignore_case))
      ->capture_default_str();
}

void AddCommonOptions(CLI::App* command, CommonOptions* options) {
  command->add_option("--subscription", options->subscription,
                      "Subscription id or name (default: the profile's current subscription)");
  AddOutputOption(command, options);
}

void OnRun(CLI::App* command, CommandContext& ctx, std::function<Status()> run) {
  command->callback([&ctx, run = std::move(run)] { ctx.SetAction(run); });
}

CommandContext::CommandContext(CliEnv& env) : env_(env) {}

CommandContext::~CommandContext() = default;

Result<Profile> CommandContext::LoadProfile() const {
  Result<Profile> profile = profiles().Load();
  if (!profile.ok() && profile.status().code() == StatusCode::kNotFound) {
    return Status::FailedPrecondition("Please run 'gallery login'.");
  }
  return profile;
}

const Clock& CommandContext::clock() {
  if (env_.clock != nullptr) {
    return *env_.clock;
  }
  static const SystemClock system_clock{};
  return system_clock;
}

std::unique_ptr<CredentialProvider> CommandContext::TokensFor(const std::string& resource) {
  if (env_.make_credentials) {
    return env_.make_credentials(profile_);
  }
  if (!HasCredentials(profile_)) {
    return std::make_unique<NoCredentialProvider>();
  }
  return std::make_unique<TokenCredentialProvider>(
      *transport_, profile_, resource, clock(),
      [this](const Profile& p) { return persist_tokens_ ? profiles().Save(p) : Status::Ok(); });
}

Result<ArmClient*> CommandContext::ConnectTo(const Profile& profile, bool persist_tokens) {
  Result<std::unique_ptr<HttpTransport>> transport =
      env_.make_transport(profile.arm_endpoint, profile.ca_certificate);
  if (!transport.ok()) {
    // A profile whose CA file vanished is a setup problem, not a missing resource.
    const Status& s = transport.status();
    return Status::FailedPrecondition(s.message()).WithReason(s.reason());
  }
  transport_ = std::move(transport).value();
  profile_ = profile;
  persist_tokens_ = persist_tokens;
  if (!env_.make_credentials && HasCredentials(profile_) && profile_.authority.empty()) {
    GALLERY_RETURN_IF_ERROR(DiscoverAuthority(*transport_, &profile_));
  }
  credentials_ = TokensFor(profile_.arm_resource);
  arm_ = std::make_unique<ArmClient>(*transport_, *credentials_, *env_.random, *env_.sleeper);
  return arm_.get();
}

Result<std::optional<std::string>> CommandContext::ArmToken() {
  if (credentials_ == nullptr) {
    return Status::FailedPrecondition("Not connected: run a command that connects first.");
  }
  return credentials_->GetToken();
}

Result<std::unique_ptr<PageBlobClient>> CommandContext::ConnectBlob(
    const std::string& url, const std::optional<std::string>& bearer_token) {
  GALLERY_ASSIGN_OR_RETURN(Url parsed, Url::Parse(url));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<HttpTransport> transport,
                           env_.make_transport(parsed.Origin() + "/", profile_.ca_certificate));
  auto client = std::make_unique<PageBlobClient>(std::move(transport), url);
  if (bearer_token.has_value()) {
    client->SetBearerToken(*bearer_token);
  }
  return client;
}

Result<GraphClient*> CommandContext::ConnectGraph() {
  GALLERY_ASSIGN_OR_RETURN(Profile profile, LoadProfile());
  GALLERY_RETURN_IF_ERROR(ConnectTo(profile, /*persist_tokens=*/true).status());
  if (profile_.graph_resource.empty() && !env_.make_credentials) {
    return Status::FailedPrecondition(
        "The server does not name a Graph resource; the directory commands need one.");
  }
  graph_credentials_ = TokensFor(profile_.graph_resource);
  graph_ = std::make_unique<GraphClient>(*transport_, *graph_credentials_, *env_.random);
  return graph_.get();
}

Result<Session> CommandContext::Connect(const CommonOptions& options) {
  GALLERY_ASSIGN_OR_RETURN(Profile profile, LoadProfile());
  Session session;
  session.subscription = profile.subscription_id;
  if (!options.subscription.empty()) {
    const SubscriptionInfo* known = profile.FindSubscription(options.subscription);
    session.subscription = known != nullptr ? known->subscription_id : options.subscription;
  }
  GALLERY_ASSIGN_OR_RETURN(session.arm, ConnectTo(profile, /*persist_tokens=*/true));
  return session;
}

LroOptions CommandContext::Lro(bool no_wait) {
  LroOptions lro;
  lro.no_wait = no_wait;
  if (env_.stderr_is_tty) {
    lro.on_wait = [this] { TickSpinner(); };
  }
  return lro;
}

void CommandContext::TickSpinner() {
  *env_.err << "\r" << kSpinnerFrames[spinner_frame_ % kSpinnerFrames.size()] << " Running..."
            << std::flush;
  ++spinner_frame_;
  spinner_shown_ = true;
}

void CommandContext::ClearSpinner() {
  if (spinner_shown_) {
    *env_.err << "\r\033[K" << std::flush;  // carriage return, erase to end of line
    spinner_shown_ = false;
  }
}

Status CommandContext::Print(const CommonOptions& options, const json& value,
                             const std::vector<Column>& columns) {
  GALLERY_ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(options.output));
  ClearSpinner();
  *env_.out << FormatOutput(value, format, columns) << std::flush;
  return Status::Ok();
}

Status CommandContext::RunAction() {
  if (!action_) {
    return Status::Ok();
  }
  Status status;
  try {
    status = action_();
  } catch (const nlohmann::json::exception& e) {
    // Commands read server JSON defensively; this catches what slipped through.
    status = Status::Internal(std::string("unexpected JSON from the server: ") + e.what());
  }
  ClearSpinner();
  return status;
}

Result<std::string> ResolveLocation(Session& session, const std::string& group,
                                    const std::string& location) {
  if (!location.empty()) {
    return location;
  }
  GALLERY_ASSIGN_OR_RETURN(
      json rg, session.arm->Get(GroupPath(session.subscription, group), api::kResourceGroups));
  if (!rg.is_object() || !rg.contains("location") || !rg["location"].is_string() ||
      rg["location"].get<std::string>().empty()) {
    return Status::Internal("the resource group '" + group + "' has no location; use --location");
  }
  return rg["location"].get<std::string>();
}

int RunGallery(const std::vector<std::string>& args, CliEnv& env) {
  try {
    CommandContext ctx(env);
    CLI::App app(
        "gallery: the command-line client of Gallery, a self-hosted VM image gallery "
        "with the Azure Shared Image Gallery API",
        "gallery");
    app.require_subcommand(1);
    RegisterAccountCommands(app, ctx);
    RegisterGroupCommands(app, ctx);
    RegisterSigCommands(app, ctx);
    RegisterImageCommands(app, ctx);
    RegisterUsageCommands(app, ctx);
    RegisterAdCommands(app, ctx);
    RegisterActivityLogCommands(app, ctx);
    RegisterRegistrationCommands(app, ctx);
    RegisterDiskCommands(app, ctx);
    RegisterStorageCommands(app, ctx);
    RegisterStoreCommands(app, ctx);

    std::vector<const char*> argv = {"gallery"};
    for (const std::string& a : args) {
      argv.push_back(a.c_str());
    }
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e, *env.out, *env.err);
      return code == 0 ? kExitOk : kExitUsage;
    }
    Status status = ctx.RunAction();
    if (status.ok()) {
      return kExitOk;
    }
    ReportError(status, *env.err);
    return ExitCodeFor(status);
  } catch (const std::exception& e) {
    *env.err << "ERROR: internal error: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace gallery::cli
