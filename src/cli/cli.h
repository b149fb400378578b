#pragma once
// The `gallery` command line: parses arguments (CLI11, az's vocabulary), runs one command
// against the ARM endpoint of the saved profile, and prints the result.
//
//   CliEnv env = ...;  // streams, config dir, transport factory, randomness, sleeper
//   int exit_code = RunGallery({"sig", "show", "-g", "rg1", "-r", "gal1"}, env);
//
// Exit codes (as az): 0 success; 1 an error reported by the server or the connection;
// 2 bad arguments (nothing was sent); 3 the resource (or its parent) was not found.
// Errors go to `err` as "ERROR: (Code) message"; results go to `out`.

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "client/credential_provider.h"
#include "client/http_transport.h"
#include "client/profile.h"
#include "client/sleeper.h"
#include "common/random.h"
#include "common/result.h"
#include "common/time.h"

namespace gallery::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;

// Everything a command needs from the outside world; `apps/gallery_main.cc` wires the real
// ones, tests wire fakes. The pointed-to objects must outlive RunGallery.
struct CliEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Where profile.json lives (see ConfigDirFromEnvironment).
  std::filesystem::path config_dir;
  // Makes the transport to a server: its base URL and the CA PEM file to trust.
  std::function<Result<std::unique_ptr<HttpTransport>>(const std::string& endpoint,
                                                       const std::string& ca_file)>
      make_transport;
  // Makes the credential provider for a profile. Unset: tokens from the profile's authority
  // (TokenCredentialProvider), or none when the profile holds no credentials.
  std::function<std::unique_ptr<CredentialProvider>(const Profile& profile)> make_credentials;
  Random* random = nullptr;
  Sleeper* sleeper = nullptr;
  // "Now": when a cached access token needs renewing, and the time defaults of commands
  // (activity-log list). Unset: the system clock.
  const Clock* clock = nullptr;
  // Long-running commands animate a "Running..." line on `err` only when this is true.
  bool stderr_is_tty = false;
};

// Runs one `gallery` command; `args` excludes the program name. Returns the exit code.
// Never throws.
int RunGallery(const std::vector<std::string>& args, CliEnv& env);

}  // namespace gallery::cli
