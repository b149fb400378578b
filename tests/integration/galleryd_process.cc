#include "galleryd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "client/url.h"
#include "common/file_util.h"

extern char** environ;

namespace gallery::testing {

namespace {

// Exec helper: child stdout/stderr go to files; returns the pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_file,
            const std::string& err_file, const std::vector<std::string>& extra_env) {
  pid_t pid = fork();
  if (pid != 0) {
    return pid;
  }
  int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int err =
      err_file == out_file ? out : ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int null_in = ::open("/dev/null", O_RDONLY);
  dup2(null_in, 0);
  dup2(out, 1);
  dup2(err, 2);
  for (const std::string& kv : extra_env) {
    putenv(const_cast<char*>(kv.c_str()));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("gallery-it-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string GallerydBinary() { return GALLERYD_BINARY; }
std::string GalleryCliBinary() { return GALLERY_CLI_BINARY; }

Result<std::unique_ptr<GallerydProcess>> GallerydProcess::Start(Options options) {
  std::filesystem::create_directories(options.data_dir);
  const std::filesystem::path log = options.data_dir / "galleryd.log";
  const auto start_offset =
      std::filesystem::exists(log) ? std::filesystem::file_size(log) : std::uintmax_t{0};
  std::vector<std::string> argv = {GallerydBinary(), "--data-dir", options.data_dir.string(),
                                   "--port", "0"};
  if (!options.config.empty()) {
    argv.push_back("--config");
    argv.push_back(options.config.string());
  }
  for (const std::string& a : options.extra_args) {
    argv.push_back(a);
  }
  pid_t pid = Spawn(argv, log.string(), log.string(), {});
  const std::string marker = "galleryd listening on https://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      Result<std::string> text = ReadFile(log);
      return Status::Unavailable("galleryd exited during start: " +
                                 (text.ok() ? text->substr(start_offset) : std::string()));
    }
    Result<std::string> text = ReadFile(log);
    if (text.ok() && text->size() > start_offset) {
      size_t at = text->find(marker, start_offset);
      if (at != std::string::npos) {
        size_t digits = at + marker.size();
        size_t end = text->find('/', digits);
        if (end != std::string::npos) {
          int port = std::stoi(text->substr(digits, end - digits));
          return std::unique_ptr<GallerydProcess>(
              new GallerydProcess(std::move(options), pid, static_cast<uint16_t>(port)));
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return Status::Unavailable("galleryd did not print its endpoint within 30 s");
}

GallerydProcess::~GallerydProcess() {
  if (pid_ > 0) {
    Stop();
  }
}

int GallerydProcess::Stop() {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void GallerydProcess::Kill() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::unique_ptr<HttpsTransport> GallerydProcess::ClientWithToken(const std::string& token) const {
  HttpsTransportOptions opts;
  opts.endpoint = endpoint();
  opts.ca_file = ca_file().string();
  if (!token.empty()) {
    opts.default_headers.emplace_back("Authorization", "Bearer " + token);
  }
  Result<std::unique_ptr<HttpsTransport>> t = HttpsTransport::Create(opts);
  return t.ok() ? std::move(*t) : nullptr;
}

std::unique_ptr<HttpsTransport> GallerydProcess::Client() const {
  Result<std::string> token = AdminToken();
  return token.ok() ? ClientWithToken(*token) : nullptr;
}

namespace {

std::string CloudEndpoint(const std::filesystem::path& cloud_file, const char* key) {
  Result<std::string> text = ReadFile(cloud_file);
  if (!text.ok()) {
    return "";
  }
  nlohmann::json cloud = nlohmann::json::parse(*text, nullptr, false);
  if (!cloud.is_object() || !cloud["endpoints"].is_object() ||
      !cloud["endpoints"][key].is_string()) {
    return "";
  }
  return cloud["endpoints"][key].get<std::string>();
}

}  // namespace

std::string GallerydProcess::ArmResource() const {
  return CloudEndpoint(cloud_file(), "activeDirectoryResourceId");
}

std::string GallerydProcess::GraphResource() const {
  return CloudEndpoint(cloud_file(), "microsoftGraphResourceId");
}

HttpResult PostTokenForm(HttpTransport& client, const std::string& form) {
  HttpCall call;
  call.method = "POST";
  call.url = "/adfs/oauth2/token";
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  call.body = form;
  Result<HttpResult> r = client.Send(call);
  if (!r.ok()) {
    HttpResult failed;
    failed.body = "POST /adfs/oauth2/token: " + r.status().ToString();
    return failed;
  }
  return std::move(*r);
}

namespace {

Result<std::string> TokenFrom(const GallerydProcess& server, const std::string& form) {
  std::unique_ptr<HttpsTransport> client = server.ClientWithToken("");
  if (client == nullptr) {
    return Status::Internal("cannot create an HTTPS client");
  }
  HttpResult r = PostTokenForm(*client, form);
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !body.is_object() || !body["access_token"].is_string()) {
    return Status::Unauthenticated("token endpoint answered " + std::to_string(r.status) + ": " +
                                   r.body);
  }
  return body["access_token"].get<std::string>();
}

}  // namespace

Result<std::string> GallerydProcess::ClientToken(const std::string& client_id,
                                                 const std::string& secret,
                                                 const std::string& resource) const {
  const std::string audience = resource.empty() ? ArmResource() : resource;
  return TokenFrom(*this, "grant_type=client_credentials&client_id=" + PercentEncode(client_id) +
                              "&client_secret=" + PercentEncode(secret) +
                              "&scope=" + PercentEncode(audience + "/.default"));
}

Result<std::string> GallerydProcess::UserToken(const std::string& upn, const std::string& password,
                                               const std::string& resource) const {
  const std::string audience = resource.empty() ? ArmResource() : resource;
  return TokenFrom(*this, "grant_type=password&username=" + PercentEncode(upn) +
                              "&password=" + PercentEncode(password) +
                              "&scope=" + PercentEncode(audience + "/.default"));
}

Result<std::string> GallerydProcess::AdminToken(const std::string& resource) const {
  GALLERY_ASSIGN_OR_RETURN(std::string text, ReadFile(bootstrap_file()));
  nlohmann::json boot = nlohmann::json::parse(text, nullptr, false);
  if (!boot.is_object() || !boot["clientId"].is_string() || !boot["clientSecret"].is_string()) {
    return Status::Internal("bootstrap.json has no clientId/clientSecret: " + text);
  }
  return ClientToken(boot["clientId"].get<std::string>(), boot["clientSecret"].get<std::string>(),
                     resource);
}

Result<StartedGalleryd> StartGalleryd(const std::filesystem::path& dir,
                                      const std::string& config_json,
                                      const std::string& config_name) {
  GallerydProcess::Options opts;
  opts.data_dir = dir / "data";
  if (!config_json.empty()) {
    opts.config = dir / config_name;
    GALLERY_RETURN_IF_ERROR(WriteFileAtomic(opts.config, config_json));
  }
  StartedGalleryd started;
  GALLERY_ASSIGN_OR_RETURN(started.server, GallerydProcess::Start(opts));
  started.client = started.server->Client();
  if (started.client == nullptr) {
    return Status::Internal("cannot create an HTTPS client for " + started.server->endpoint());
  }
  GALLERY_ASSIGN_OR_RETURN(started.bootstrap_json, ReadFile(started.server->bootstrap_file()));
  const std::string key = "\"subscriptionId\": \"";
  size_t at = started.bootstrap_json.find(key);
  if (at == std::string::npos) {
    return Status::Internal("bootstrap.json has no subscriptionId: " + started.bootstrap_json);
  }
  at += key.size();
  started.subscription_id =
      started.bootstrap_json.substr(at, started.bootstrap_json.find('"', at) - at);
  return started;
}

HttpResult SendRequest(HttpTransport& client, const std::string& method, const std::string& url,
                       const std::string& body) {
  HttpCall call;
  call.method = method;
  call.url = url;
  if (!body.empty()) {
    call.body = body;
    call.headers.push_back({"Content-Type", "application/json"});
  }
  Result<HttpResult> r = client.Send(call);
  if (!r.ok()) {
    HttpResult failed;
    failed.body = method + " " + url + ": " + r.status().ToString();
    return failed;
  }
  return std::move(*r);
}

nlohmann::json ParseBody(const HttpResult& response) {
  return response.body.empty() ? nlohmann::json()
                               : nlohmann::json::parse(response.body, nullptr, false);
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env) {
  TempDir dir;
  const std::string out = (dir.path() / "out").string();
  const std::string err = (dir.path() / "err").string();
  pid_t pid = Spawn(argv, out, err, extra_env);
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out).ok() ? *ReadFile(out) : "";
  r.err = ReadFile(err).ok() ? *ReadFile(err) : "";
  return r;
}

std::string DescribeCommand(const std::vector<std::string>& args, const CommandResult& r) {
  std::string cmd;
  for (const std::string& a : args) {
    cmd += " " + a;
  }
  return cmd + "\n  exit " + std::to_string(r.exit_code) + "\n  stdout: " + r.out +
         "\n  stderr: " + r.err;
}

CommandResult RunGallery(std::vector<std::string> args, const std::filesystem::path& config_dir,
                         const std::filesystem::path& home) {
  args.insert(args.begin(), GalleryCliBinary());
  return RunCommand(args, {"GALLERY_CONFIG_DIR=" + config_dir.string(), "HOME=" + home.string()});
}

}  // namespace gallery::testing
