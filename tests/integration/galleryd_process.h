#pragma once
// GallerydProcess: the real galleryd binary started for a test, on port 0 in its own data
// directory, with its output in DATA_DIR/galleryd.log. Stop it gracefully, or kill -9 it and
// start it again on the same directory.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/https_transport.h"
#include "common/result.h"

namespace gallery::testing {

// A fresh, empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class GallerydProcess {
 public:
  struct Options {
    std::filesystem::path data_dir;
    std::filesystem::path config;  // optional galleryd --config file
    std::vector<std::string> extra_args;
  };

  // Starts galleryd and waits (up to 30 s) until it prints its endpoint.
  static Result<std::unique_ptr<GallerydProcess>> Start(Options options);
  ~GallerydProcess();  // SIGTERM, then SIGKILL after 10 s

  uint16_t port() const { return port_; }
  std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::filesystem::path ca_file() const { return options_.data_dir / "tls" / "ca.pem"; }
  std::filesystem::path bootstrap_file() const { return options_.data_dir / "bootstrap.json"; }
  const Options& options() const { return options_; }

  // SIGTERM and wait; returns the exit code.
  int Stop();
  // SIGKILL and wait: a crash.
  void Kill();

  std::filesystem::path cloud_file() const { return options_.data_dir / "azure-cloud.json"; }

  // A new HTTPS client that trusts this installation's CA and sends the bootstrap
  // administrator's ARM token with every request (as a logged-in client does). Null when no
  // token can be had.
  std::unique_ptr<HttpsTransport> Client() const;
  // The same with `token` as bearer token, or with no Authorization header when empty.
  std::unique_ptr<HttpsTransport> ClientWithToken(const std::string& token) const;

  // The ARM and Graph token audiences of azure-cloud.json.
  std::string ArmResource() const;
  std::string GraphResource() const;
  // A token from the token endpoint: client credentials (service principal) or password (user)
  // grant, for `resource` (the ARM audience when empty). The endpoint's error body on refusal.
  Result<std::string> ClientToken(const std::string& client_id, const std::string& secret,
                                  const std::string& resource = "") const;
  Result<std::string> UserToken(const std::string& upn, const std::string& password,
                                const std::string& resource = "") const;
  // The bootstrap administrator's token (from bootstrap.json) for `resource`.
  Result<std::string> AdminToken(const std::string& resource = "") const;

 private:
  GallerydProcess(Options options, pid_t pid, uint16_t port)
      : options_(std::move(options)), pid_(pid), port_(port) {}
  Options options_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// A started galleryd with an HTTPS client and its bootstrap.json, as every test fixture needs.
struct StartedGalleryd {
  std::unique_ptr<GallerydProcess> server;
  std::unique_ptr<HttpsTransport> client;
  std::string bootstrap_json;   // the text of DATA/bootstrap.json
  std::string subscription_id;  // its subscriptionId
};

// Starts galleryd on `dir`/data; a non-empty `config_json` is written to `dir`/`config_name`
// and passed with --config.
Result<StartedGalleryd> StartGalleryd(const std::filesystem::path& dir,
                                      const std::string& config_json = "",
                                      const std::string& config_name = "galleryd.json");

// POSTs a form to the token endpoint; returns the answer whatever its status.
HttpResult PostTokenForm(HttpTransport& client, const std::string& form);

// Sends a request with a JSON `body` (none when empty). A transport failure comes back as
// status 0 with the error in `body`, so a test's status assertion reports it.
HttpResult SendRequest(HttpTransport& client, const std::string& method, const std::string& url,
                       const std::string& body = "");
// The response body as JSON; null when empty, discarded when not JSON.
nlohmann::json ParseBody(const HttpResult& response);

// Paths of the binaries under test (set by CMake).
std::string GallerydBinary();
std::string GalleryCliBinary();

// Runs a command, returning its exit code, stdout and stderr.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// "ARGS...", the exit code, stdout and stderr of a command: for test failure messages.
std::string DescribeCommand(const std::vector<std::string>& args, const CommandResult& r);
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {});
// Runs the `gallery` CLI with `args` as a user whose profile lives in `config_dir`
// (GALLERY_CONFIG_DIR) and whose HOME is `home`.
CommandResult RunGallery(std::vector<std::string> args, const std::filesystem::path& config_dir,
                         const std::filesystem::path& home);

}  // namespace gallery::testing
