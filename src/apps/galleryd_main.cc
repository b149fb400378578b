// galleryd: the Gallery service. Wires the layers together: SQLite metadata in the data
// directory, the service layer and its operation runner, the ARM API behind an HTTPS server
// with a CA generated on first start.

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "access/access_signature.h"
#include "access/authorizer.h"
#include "access/grant_owner.h"
#include "access/signing_key.h"
#include "access/token_service.h"
#include "access/token_validator.h"
#include "api/arm_api.h"
#include "api/bearer_authenticator.h"
#include "api/blob_api.h"
#include "api/cloud_definition.h"
#include "api/graph_api.h"
#include "api/https_server.h"
#include "api/page_blob_protocol.h"
#include "api/storage_account_api.h"
#include "api/store_admin_api.h"
#include "api/subscription_alias_api.h"
#include "api/tls_material.h"
#include "api/token_endpoint.h"
#include "common/file_util.h"
#include "common/log.h"
#include "metadata/sqlite_store.h"
#include "replication/link_throttle.h"
#include "replication/replicator.h"
#include "service/activity_log_service.h"
#include "service/activity_recorder.h"
#include "service/activity_visibility.h"
#include "service/bootstrap.h"
#include "service/config_loader.h"
#include "service/directory_service.h"
#include "service/disk_service.h"
#include "service/export_grants.h"
#include "service/gallery_service.h"
#include "service/garbage_collection.h"
#include "service/image_data.h"
#include "service/image_ingest_worker.h"
#include "service/operation_runner.h"
#include "service/registration_service.h"
#include "service/replication_work.h"
#include "service/role_service.h"
#include "service/store_scrub.h"
#include "storage/region_stores.h"

namespace {

using namespace gallery;

// Keeps the memory of request bodies for reuse. A page write's body is up to 4 MiB; glibc serves
// blocks that large with mmap, or trims them off the top of a heap once freed, and each new
// body then faults in and zeroes 1,024 fresh pages. Measured here (1 GiB fixed VHD uploaded
// and sealed, runs interleaved): galleryd spent 3.97-4.02 CPU seconds with these settings
// against 4.37-4.60 without, and its peak RSS was 74-79 MiB against 54-61 MiB. Up to 32 MiB of
// free memory stays at the top of each heap.
void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

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

// azure-cloud.json: the Azure CLI cloud definition of this installation
// (`az cloud register -n gallery --cloud-config @FILE`), rewritten whenever the endpoint changes.
Status WriteCloudDefinition(const std::filesystem::path& path, const std::string& endpoint,
                            const std::string& arm_audience) {
  return WriteFileAtomic(path, api::AzureCloudDefinition({endpoint, arm_audience}).dump(2) + "\n",
                         0644);
}

}  // namespace

int main(int argc, char** argv) {
  TuneAllocator();
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
               "Do not authenticate ARM requests: every caller acts as the bootstrap "
               "administrator (for local experiments only)");
  app.add_option("--threads", threads, "I/O threads (0: four per core)")->check(CLI::Range(0, 256));
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

  const bool loopback = listen == "localhost" || listen == "::1" || listen.rfind("127.", 0) == 0;
  if (!loopback && insecure_no_auth) {
    std::cerr << "galleryd: warning: --insecure-no-auth on " << listen
              << ": anyone who can reach this address acts as the administrator.\n";
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

  // Tokens: one RSA key per installation, kept in the data directory so that tokens survive
  // restarts.
  Result<std::unique_ptr<access::SigningKey>> signing_key =
      access::LoadOrCreateSigningKey(dir / "token-signing-key.pem");
  if (!signing_key.ok()) {
    return Fail("cannot prepare the token signing key", signing_key.status());
  }
  access::TokenServiceOptions token_options;
  access::TokenService token_service(**store, **signing_key, clock, token_options);
  access::TokenValidator validator(**store, **signing_key, clock, {.issuer = token_options.issuer});
  api::BearerTokenAuthenticator arm_authenticator(
      validator, [&] { return std::vector<std::string>{token_options.arm_audience}; });
  api::BearerTokenAuthenticator graph_authenticator(
      validator, [&] { return std::vector<std::string>{token_service.GraphAudience()}; });
  api::FixedCallerAuthenticator no_authentication(
      domain::Caller{identity->tenant_id,
                     identity->object_id,
                     "gallery-admin",
                     domain::PrincipalKind::kServicePrincipal,
                     {}});
  api::Authenticator& authenticator =
      insecure_no_auth ? static_cast<api::Authenticator&>(no_authentication) : arm_authenticator;

  service::ActivityRecorderOptions activity_options;
  activity_options.retention_ms = config.service.activity_retention_ms;
  service::ActivityRecorder activity(**store, clock, *random, activity_options);
  service::OperationRunner runner(**store, clock, config.service.operation_retention_ms, &activity);
  access::Authorizer authorizer(**store);
  service::GalleryService gallery_service(**store, config.regions, config.service, clock, *random,
                                          runner, authorizer);
  // Image data: managed images and versions keep their disks as manifests in the region
  // stores; blobs of the storage-account endpoint are ingested by the image's operation; the
  // stores are swept of unreferenced chunks in the background.
  // One folder per store: the configured path, or stores/{name} in the data directory.
  std::map<std::string, std::filesystem::path> store_paths;
  for (const domain::StoreLocation& location : config.regions.Stores()) {
    if (!location.path.empty()) {
      store_paths.emplace(location.name, location.path);
    }
  }
  // A store that the manifests say holds data is never recreated empty: its folder without a
  // marker or chunks is a disk that is not mounted (ChunkStoreOptions::holds_data).
  const storage::StoreHoldsData holds_data = [&store](const std::string& name) -> Result<bool> {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<metadata::Transaction> tx,
                             (*store)->Begin(metadata::TxMode::kRead));
    bool found = false;
    GALLERY_RETURN_IF_ERROR(tx->ForEachManifest([&](const metadata::ManifestRecord& record) {
      found = found || record.store == name;
      return Status::Ok();
    }));
    return found;
  };
  storage::RegionStores region_stores(dir / "stores", {}, store_paths, holds_data);
  // Open at start every store that holds data, so that a missing one is reported (in the log,
  // and as its replicas' region Failed) before anyone reads it.
  for (const domain::StoreLocation& location : config.regions.Stores()) {
    Result<bool> holds = holds_data(location.name);
    if (holds.ok() && *holds) {
      if (Result<storage::ChunkStore*> opened = region_stores.For(location.name); !opened.ok()) {
        GLOG_WARN("store {} cannot be used: {}", location.name, opened.status().ToString());
      }
    }
  }
  const service::StoreForRegion store_for = [&region_stores](const std::string& region) {
    return region_stores.For(region);
  };
  service::ImageDataOptions image_data_options;
  image_data_options.blobs_root = dir / "blobs";
  service::ImageData image_data(store_for, image_data_options, *random);
  service::ImageIngestWorker image_ingest(**store, image_data, clock, runner);
  runner.AddWork(&image_ingest);
  // Versions reach their target regions' stores through the replicator's workers; their
  // operations complete when their replicas do.
  replication::SteadyTime link_time;
  replication::LinkThrottle links(config.service.links, link_time, link_time);
  replication::ReplicatorOptions replication_options = config.service.replication;
  replication_options.link = [&links](const std::string& from, const std::string& to,
                                      uint64_t bytes, const std::atomic<bool>* cancel) {
    return links.Send(from, to, bytes, cancel);
  };
  replication_options.distance = [&links](const std::string& from, const std::string& to) {
    return links.model().For(from, to).latency_ms;
  };
  replication::Replicator replicator(**store, config.regions, store_for, clock, *random,
                                     replication_options);
  service::ReplicationWork replication_work(**store, replicator, clock, runner);
  runner.AddWork(&replication_work);
  gallery_service.SetImageData(&image_data);
  service::GarbageCollection garbage_collection(
      **store, store_for,
      [&region_stores] { return region_stores.Existing(); },
      clock, {.interval_ms = config.service.gc_interval_ms});
  service::RoleService role_service(**store, authorizer, clock);
  service::ActivityLogService activity_log(**store, gallery_service,
                                           config.service.limits.list_page_size,
                                           service::ReadableScopes(authorizer));
  service::RegistrationService registrations(**store, gallery_service, authorizer, clock,
                                             config.service.registration_delay_ms);
  // Disks: data-plane URLs signed with a key kept in the data directory, staging blobs under
  // uploads/, sealed bytes in one chunk store per region under stores/.
  Result<std::unique_ptr<access::AccessSigner>> access_signer =
      access::LoadOrCreateAccessSigner(dir / "disk-access-key", *random);
  if (!access_signer.ok()) {
    return Fail("cannot prepare the disk access key", access_signer.status());
  }
  service::DiskServiceOptions disk_options = config.service.disks;
  disk_options.uploads_dir = dir / "uploads";
  service::DiskService disks(**store, gallery_service, runner, authorizer, **access_signer,
                             region_stores, clock, *random, disk_options);
  // Images' and versions' data, read through URLs signed with the same key.
  service::ExportGrants exports(**store, gallery_service, **access_signer, region_stores, clock,
                                *random);
  service::DirectoryHooks directory_hooks;
  // A deleted principal's tokens must stop working at once, not when they expire.
  directory_hooks.principal_deleted = [&validator] { validator.InvalidateCache(); };
  // The creator of a subscription becomes its Owner, in the transaction that creates it.
  directory_hooks.subscription_created = [&clock](metadata::Transaction& tx,
                                                  const domain::Subscription& subscription,
                                                  const domain::Caller& creator) {
    return access::GrantOwner(tx, ResourceId::ForSubscription(subscription.id),
                              creator.object_id, clock.Now());
  };
  service::DirectoryService directory(**store, clock, *random, directory_hooks);
  api::ArmApiOptions api_options;
  api::ArmApi arm(gallery_service, role_service, authenticator, api_options,
                  {&activity,
                   &activity_log,
                   &registrations,
                   &disks,
                   &exports,
                   {&disks, &image_ingest, &replication_work},
                   [&](const ResourceId& version, const std::string& region) {
                     std::optional<domain::LiveReplication> live = replicator.Live(version, region);
                     for (const std::string& name : config.regions.StoreNamesOf(region)) {
                       if (Status problem = region_stores.Problem(name); !problem.ok()) {
                         if (!live.has_value()) {
                           live.emplace();
                         }
                         live->unavailable_stores[name] = problem.message();
                       }
                     }
                     return live;
                   }});
  api::BlobApi blobs(disks, clock, &exports);
  api::TokenEndpoint token_endpoint(token_service, **signing_key, api_options.public_endpoint);
  api::GraphApi graph(directory, graph_authenticator, *random);
  api::SubscriptionAliasApi aliases(directory, authenticator);
  api::StorageAccountApi storage_accounts(authenticator, dir / "blobs", clock);
  // ---- store scrub (begin): integrity checks of the chunk stores, periodic and on demand
  // (POST /providers/Gallery.Storage/scrub), for directory administrators of this
  // installation's tenant.
  service::StoreScrub store_scrub(**store, store_for,
                                  [&region_stores] { return region_stores.Existing(); }, clock,
                                  {.interval_ms = config.service.scrub_interval_ms});
  api::StoreAdminApi store_admin(store_scrub, directory, authenticator,
                                 {.admin_tenant_id = identity->tenant_id});
  // ---- store scrub (end)

  ServerOptions server_options;
  server_options.listen_address = listen;
  server_options.port = static_cast<uint16_t>(port);
  server_options.threads = threads;
  // The storage endpoints answer in Azure Storage's XML shape, even before their handler runs.
  server_options.error_answer = [&clock](boost::beast::http::status status, std::string_view code,
                                         const std::string& message, std::string_view target) {
    std::optional<HttpResponse> answer;
    if (api::BlobApi::Serves(target) || api::StorageAccountApi::Serves(target)) {
      answer = api::StorageErrorAnswer({status, std::string(code), message}, clock.Now());
    }
    return answer;
  };
  Result<std::unique_ptr<HttpsServer>> server =
      HttpsServer::Start(server_options, *tls,
                         [&](HttpRequest&& req, const RequestInfo& info) -> HttpReply {
        const std::string_view target(req.target().data(), req.target().size());
        if (api::TokenEndpoint::Serves(target)) {
          return token_endpoint.Handle(std::move(req), info);
        }
        if (api::GraphApi::Serves(target)) {
          return graph.Handle(std::move(req), info);
        }
        if (api::SubscriptionAliasApi::Serves(target)) {
          return aliases.Handle(std::move(req), info);
        }
        if (api::BlobApi::Serves(target)) {
          return blobs.Handle(std::move(req), info);
        }
        if (api::StorageAccountApi::Serves(target)) {
          return storage_accounts.Handle(std::move(req), info);
        }
        if (api::StoreAdminApi::Serves(target)) {
          return store_admin.Handle(std::move(req), info);
        }
        return arm.Handle(std::move(req), info);
      });
  if (!server.ok()) {
    return Fail("cannot listen", server.status());
  }
  const std::string host = (listen == "0.0.0.0" || listen == "::") ? "127.0.0.1" : listen;
  const std::string endpoint =
      "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
      std::to_string((*server)->port()) + "/";
  arm.SetPublicEndpoint(endpoint.substr(0, endpoint.size() - 1));
  token_endpoint.SetPublicEndpoint(endpoint.substr(0, endpoint.size() - 1));
  token_service.SetGraphAudience(endpoint);
  arm_authenticator.SetAuthority(endpoint + "adfs");
  graph_authenticator.SetAuthority(endpoint + "adfs");
  if (Status cloud =
          WriteCloudDefinition(dir / "azure-cloud.json", endpoint, token_options.arm_audience);
      !cloud.ok()) {
    return Fail("cannot write azure-cloud.json", cloud);
  }
  Status written = WriteBootstrapFile(dir / "bootstrap.json", *identity, endpoint,
                                      tls->ca_cert_path);
  if (!written.ok()) {
    return Fail("cannot write bootstrap.json", written);
  }
  // Blob URIs name this server by any of the names its certificate carries.
  const std::string port_text = std::to_string((*server)->port());
  image_data.SetBlobEndpoints({endpoint.substr(0, endpoint.size() - 1),
                               "https://127.0.0.1:" + port_text, "https://localhost:" + port_text});
  activity.Start();
  replicator.Start();
  runner.Start();
  if (Status started = disks.Start(); !started.ok()) {
    return Fail("cannot start the disk sealer", started);
  }
  garbage_collection.Start();
  store_scrub.Start();

  std::cout << "galleryd listening on " << endpoint << "\n"
            << "  tenant        " << identity->tenant_id << "\n"
            << "  subscription  " << identity->subscription_id << "\n"
            << "  CA            "
            << std::filesystem::absolute(tls->ca_cert_path).lexically_normal().string() << "\n"
            << "Log in with:  gallery login --bootstrap "
            << std::filesystem::absolute(dir / "bootstrap.json").lexically_normal().string() << "\n"
            << "Azure CLI:    az cloud register -n gallery --cloud-config @"
            << std::filesystem::absolute(dir / "azure-cloud.json").lexically_normal().string()
            << "\n"
            << std::flush;

  int received = 0;
  sigwait(&stop_signals, &received);
  GLOG_INFO("galleryd stopping");
  (*server)->Stop();
  disks.Stop();
  image_ingest.Stop();
  garbage_collection.Stop();
  store_scrub.Stop();
  replicator.Stop();  // before the runner: settled versions still reach it
  runner.Stop();
  activity.Stop();  // after the runner: its last completions are written too
  return 0;
}
