#pragma once
// CommandContext: what the commands of one `gallery` run share: the environment, the saved
// profile, the ARM client built from it, output and progress display. Commands register
// with CLI11 and hand their work to the context (OnRun); RunGallery runs it after parsing.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/output.h"
#include "client/arm_client.h"
#include "client/graph_client.h"
#include "client/page_blob_client.h"
#include "client/profile.h"

namespace gallery::cli {

// `--subscription` and `-o/--output`, accepted by every command that calls ARM.
struct CommonOptions {
  std::string subscription;
  std::string output = "json";
};
void AddCommonOptions(CLI::App* command, CommonOptions* options);
// Only `-o/--output` (commands that read the profile but call nothing).
void AddOutputOption(CLI::App* command, CommonOptions* options);

// The ARM client of the saved profile and the subscription a command works in.
struct Session {
  ArmClient* arm = nullptr;
  std::string subscription;
};

class CommandContext {
 public:
  explicit CommandContext(CliEnv& env);
  ~CommandContext();
  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  CliEnv& env() { return env_; }
  std::ostream& out() { return *env_.out; }
  ProfileStore profiles() const { return ProfileStore(env_.config_dir); }

  // The saved profile. FailedPrecondition "Please run 'gallery login'." when there is none.
  Result<Profile> LoadProfile() const;
  // Loads the profile and connects its client; the subscription is `options.subscription`
  // (an id, or a display name known to the profile) or the profile's current one.
  Result<Session> Connect(const CommonOptions& options);
  // A client for a server without a saved profile (login). `profile` supplies credentials;
  // when it has credentials but no authority, the authority is discovered from the server.
  // Tokens fetched later are saved to the profile file only when `persist_tokens`.
  Result<ArmClient*> ConnectTo(const Profile& profile, bool persist_tokens = false);
  // The profile of the last ConnectTo/Connect, with discovered endpoints and fetched tokens.
  const Profile& profile() const { return profile_; }
  // The ARM bearer token of the last ConnectTo/Connect (nullopt without credentials), for the
  // storage-account endpoint, which authenticates with it.
  Result<std::optional<std::string>> ArmToken();
  // A client of the page blob at absolute `url` (a signed URL, or a storage-account blob URL
  // with `bearer_token`) over its own connection to the URL's server, trusting the profile's
  // CA: one per transfer worker.
  Result<std::unique_ptr<PageBlobClient>> ConnectBlob(
      const std::string& url, const std::optional<std::string>& bearer_token = std::nullopt);
  // A Graph client (the directory) for the saved profile.
  Result<GraphClient*> ConnectGraph();

  // LRO options for a command: no_wait, and a spinner on a TTY stderr.
  LroOptions Lro(bool no_wait);

  // Prints `value` in the format of `options` using `columns` for table/tsv.
  Status Print(const CommonOptions& options, const nlohmann::json& value,
               const std::vector<Column>& columns);

  // "Now" (CliEnv::clock, else the system clock).
  const Clock& clock();

  void SetAction(std::function<Status()> action) { action_ = std::move(action); }
  // Runs the command chosen by parsing (Ok when none) and ends any progress display.
  Status RunAction();

 private:
  void TickSpinner();
  void ClearSpinner();
  // The credentials for `resource`: env's make_credentials, else tokens from the profile's
  // authority when it holds credentials, else none.
  std::unique_ptr<CredentialProvider> TokensFor(const std::string& resource);

  CliEnv& env_;
  Profile profile_;
  bool persist_tokens_ = false;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<CredentialProvider> credentials_;
  std::unique_ptr<ArmClient> arm_;
  std::unique_ptr<CredentialProvider> graph_credentials_;
  std::unique_ptr<GraphClient> graph_;
  std::function<Status()> action_;
  int spinner_frame_ = 0;
  bool spinner_shown_ = false;
};

// Makes `run` the action of `command` when it is the one parsed.
void OnRun(CLI::App* command, CommandContext& ctx, std::function<Status()> run);

// Registration of each command group under the root app.
void RegisterAccountCommands(CLI::App& root, CommandContext& ctx);  // login, account
void RegisterGroupCommands(CLI::App& root, CommandContext& ctx);    // group
void RegisterSigCommands(CLI::App& root, CommandContext& ctx);      // sig (+ sub-groups)
void RegisterImageDefinitionCommands(CLI::App& sig, CommandContext& ctx);
void RegisterImageVersionCommands(CLI::App& sig, CommandContext& ctx);
void RegisterImageCommands(CLI::App& root, CommandContext& ctx);  // image (managed images)
void RegisterUsageCommands(CLI::App& root, CommandContext& ctx);  // usage
void RegisterAdCommands(CLI::App& root, CommandContext& ctx);     // ad (the directory)
void RegisterActivityLogCommands(CLI::App& root, CommandContext& ctx);   // activity-log
void RegisterRegistrationCommands(CLI::App& root, CommandContext& ctx);  // feature, provider
// disk (managed disks, their upload and download)
void RegisterDiskCommands(CLI::App& root, CommandContext& ctx);
// storage (the storage-account endpoint's blobs)
void RegisterStorageCommands(CLI::App& root, CommandContext& ctx);
// store (the server's chunk stores: scrub)
void RegisterStoreCommands(CLI::App& root, CommandContext& ctx);

// The location of resource group `group` (GET, api 2021-04-01), for commands whose
// `-l/--location` was omitted; `location` itself when given.
Result<std::string> ResolveLocation(Session& session, const std::string& group,
                                    const std::string& location);

}  // namespace gallery::cli
