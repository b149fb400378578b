// galleryd: the Gallery service. Wires the layers together: SQLite metadata in the data
// directory, the service layer and its operation runner, the ARM API behind an HTTPS server
// with a CA generated on first start.

#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/arm_api.h"
#include "api/https_server.h"
#include "api/tls_material.h"
#include "common/file_util.h"
#include "common/log.h"
#include "metadata/sqlite_store.h"
#include "service/activity_log_service.h"
#include "service/activity_recorder.h"
#include "service/bootstrap.h"
#include "service/config_loader.h"
#include "service/gallery_service.h"
#include "service/operation_runner.h"
#include "service/registration_service.h"

namespace {

using namespace gallery;

int Fail(const std::string& what, const Status& status) {
  std::cerr << "galleryd: " << what << ": " << status.message() << "\n";
  return 1;
}

// bootstrap.json: how to reach and log in to this installation. Written on first start (the
// only time the administrator secret exists in clear) and refreshed when the endpoint changes.
Status WriteBootstrapFile(const std::filesystem::path& path,
                          const service::BootstrapIdentity& identity, const std::string& endpoint,
                          const std::filesystem::path& ca) {
  nlohmann::json doc;
  if (identity.client_secret.empty()) {
    Result<std::string> existing = ReadFile(path);
    if (!existing.ok()) {
      return Status::Ok();  // the secret was shown once and the file removed; nothing to refresh
    }
    doc = nlohmann::json::parse(*existing, nullptr, false);
    if (!doc.is_object()) {
      return Status::Ok();
    }
    if (doc.value("armEndpoint", "") == endpoint) {
      return Status::Ok();
    }
  } else {
    doc["clientSecret"] = identity.client_secret;
  }
  doc["tenantId"] = identity.tenant_id;
  doc["subscriptionId"] = identity.subscription_id;
  doc["clientId"] = identity.client_id;
  doc["armEndpoint"] = endpoint;
  doc["caCertificate"] = std::filesystem::absolute(ca).lexically_normal().string();
  return WriteFileAtomic(path, doc.dump(2) + "\n", 0600);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"galleryd: a self-hosted VM image gallery with the Azure Resource Manager API"};
  std::string data_dir = "./data";
  int port = 8443;
  std::string listen = "127.0.0.1";
  std::string config_path;
  int threads = 0;
  std::string log_level = "info";
  app.add_option("--data-dir", data_dir, "Where metadata, TLS material and images live")
      ->capture_default_str();
  app.add_option("--port", port, "HTTPS port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--listen", listen, "Address to listen on")->capture_default_str();
  std::vector<std::string> sans;
  app.add_option("--san", sans,
                 "Extra names for the server certificate, \"DNS:host\" or \"IP:addr\" "
                 "(the --listen address is added by itself)");
  app.add_option("--config", config_path, "Configuration file (see config/galleryd.json)")
      ->check(CLI::ExistingFile);
  bool insecure_no_auth = false;
  app.add_flag("--insecure-no-auth", insecure_no_auth,
               "Allow a non-loopback --listen address although requests are not authenticated "
               "yet (every caller acts as the administrator)");
  app.add_option("--threads", threads, "I/O threads (0: one per core)")->check(CLI::Range(0, 256));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // SIGINT/SIGTERM are taken synchronously by sigwait() at the end of main; blocking them here,
  // before any thread starts, keeps every thread from receiving them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::from_str(log_level));

  service::GalleryConfig config;
  if (!config_path.empty()) {
    Result<std::string> text = ReadFile(config_path);
    if (!text.ok()) {
      return Fail("cannot read the configuration", text.status());
    }
    nlohmann::json json = nlohmann::json::parse(*text, nullptr, false, /*ignore_comments=*/true);
    if (json.is_discarded()) {
      return Fail("cannot read the configuration",
                  Status::InvalidArgument(config_path + " is not valid JSON"));
    }
    Result<service::GalleryConfig> parsed = service::ParseGalleryConfig(json);
    if (!parsed.ok()) {
      return Fail("invalid configuration " + config_path, parsed.status());
    }
    config = std::move(*parsed);
  }

  // Until bearer tokens are enforced every caller is the administrator: only this machine may
  // call, unless the operator says otherwise.
  const bool loopback = listen == "localhost" || listen == "::1" || listen.rfind("127.", 0) == 0;
  if (!loopback && !insecure_no_auth) {
    std::cerr << "galleryd: refusing to listen on " << listen
              << ": requests are not authenticated yet, so anyone who can reach it would be "
                 "the administrator. Listen on 127.0.0.1 (and tunnel), or pass "
                 "--insecure-no-auth to accept that.\n";
    return 2;
  }

  const std::filesystem::path dir(data_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Fail("cannot create the data directory", Status::Unavailable(dir.string() + ": " +
                                                                        ec.message()));
  }
  ::chmod(dir.c_str(), 0700);

  // Clients verify the server by name: the certificate names 127.0.0.1, localhost, the
  // listen address when it is a specific one, and any --san.
  if (listen != "127.0.0.1" && listen != "0.0.0.0" && listen != "::" && listen != "localhost") {
    sans.push_back("IP:" + listen);
  }
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(dir / "tls", sans);
  if (!tls.ok()) {
    return Fail("cannot prepare TLS", tls.status());
  }
  Result<std::unique_ptr<metadata::MetadataStore>> store =
      metadata::OpenSqliteStore(dir / "gallery.db");
  if (!store.ok()) {
    return Fail("cannot open the metadata store", store.status());
  }
  SystemClock clock;
  std::unique_ptr<Random> random = NewSystemRandom();
  Result<service::BootstrapIdentity> identity = service::EnsureBootstrap(**store, clock, *random);
  if (!identity.ok()) {
    return Fail("cannot bootstrap", identity.status());
  }

  // The administrator's secret exists in clear only now: write it out before anything else can
  // fail, so a failed first start cannot lose it (the endpoint is refreshed once listening).
  const std::string requested_endpoint = "https://127.0.0.1:" + std::to_string(port) + "/";
  if (!identity->client_secret.empty()) {
    Status early = WriteBootstrapFile(dir / "bootstrap.json", *identity, requested_endpoint,
                                      tls->ca_cert_path);
    if (!early.ok()) {
      return Fail("cannot write bootstrap.json", early);
    }
    identity->client_secret.clear();
  }

  service::ActivityRecorderOptions activity_options;
  activity_options.retention_ms = config.service.activity_retention_ms;
  service::ActivityRecorder activity(**store, clock, *random, activity_options);
  service::OperationRunner runner(**store, clock, config.service.operation_retention_ms, &activity);
  service::GalleryService gallery_service(**store, config.regions, config.service, clock, *random,
                                          runner);
  // Visibility of activity log entries: every entry of the caller's tenant's subscriptions
  // until permissions are evaluated.
  service::ActivityLogService activity_log(**store, gallery_service,
                                           config.service.limits.list_page_size);
  service::RegistrationService registrations(**store, gallery_service, clock,
                                             config.service.registration_delay_ms);
  api::FixedCallerAuthenticator authenticator(
      domain::Caller{identity->tenant_id, identity->object_id, "gallery-admin"});
  api::ArmApiOptions api_options;
  api::ArmApi arm(gallery_service, authenticator, *random, api_options,
                  {&activity, &activity_log, &registrations});

  ServerOptions server_options;
  server_options.listen_address = listen;
  server_options.port = static_cast<uint16_t>(port);
  server_options.threads = threads;
  Result<std::unique_ptr<HttpsServer>> server = HttpsServer::Start(
      server_options, *tls,
      [&arm](HttpRequest&& req, const RequestInfo& info) { return arm.Handle(std::move(req), info); });
  if (!server.ok()) {
    return Fail("cannot listen", server.status());
  }
  const std::string host = (listen == "0.0.0.0" || listen == "::") ? "127.0.0.1" : listen;
  const std::string endpoint =
      "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
      std::to_string((*server)->port()) + "/";
  arm.SetPublicEndpoint(endpoint.substr(0, endpoint.size() - 1));
  Status written = WriteBootstrapFile(dir / "bootstrap.json", *identity, endpoint,
                                      tls->ca_cert_path);
  if (!written.ok()) {
    return Fail("cannot write bootstrap.json", written);
  }
  activity.Start();
  runner.Start();

  std::cout << "galleryd listening on " << endpoint << "\n"
            << "  tenant        " << identity->tenant_id << "\n"
            << "  subscription  " << identity->subscription_id << "\n"
            << "  CA            "
            << std::filesystem::absolute(tls->ca_cert_path).lexically_normal().string() << "\n"
            << "Log in with:  gallery login --bootstrap "
            << std::filesystem::absolute(dir / "bootstrap.json").lexically_normal().string()
            << "\n"
            << std::flush;

  int received = 0;
  sigwait(&stop_signals, &received);
  GLOG_INFO("galleryd stopping");
  (*server)->Stop();
  runner.Stop();
  activity.Stop();  // after the runner: its last completions are written too
  return 0;
}
