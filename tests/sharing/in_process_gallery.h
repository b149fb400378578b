#pragma once
// InProcessGallery: the real ARM front door (api::ArmApi: routing, service, access checks) over
// a real SQLite store in a temporary directory, without sockets or tokens. Requests name the
// principal they act as in the `x-test-principal` header (TestHeaderAuthenticator, tests
// only); without it they act as the bootstrap administrator, Owner of the bootstrap
// subscription. Long-running operations complete when the test calls RunOperations().

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "access/authorizer.h"
#include "access/grant_owner.h"
#include "api/arm_api.h"
#include "api/authenticator.h"
#include "metadata/sqlite_store.h"
#include "service/bootstrap.h"
#include "service/gallery_service.h"
#include "service/operation_runner.h"
#include "service/role_service.h"

namespace gallery::testing {

inline constexpr char kPrincipalHeader[] = "x-test-principal";

// Maps the x-test-principal header to a registered Caller; no header: the default caller;
// an unknown name: Unauthenticated.
class TestHeaderAuthenticator final : public api::Authenticator {
 public:
  explicit TestHeaderAuthenticator(domain::Caller default_caller)
      : default_(std::move(default_caller)) {}
  void Register(const std::string& name, domain::Caller caller) {
    std::lock_guard<std::mutex> lock(mu_);
    callers_[name] = std::move(caller);
  }
  Result<domain::Caller> Authenticate(const HttpRequest& request) override {
    auto it = request.find(kPrincipalHeader);
    if (it == request.end()) {
      return default_;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto found = callers_.find(std::string(it->value()));
    if (found == callers_.end()) {
      return Status::Unauthenticated("unknown test principal").WithReason("AuthenticationFailed");
    }
    return found->second;
  }

 private:
  domain::Caller default_;
  std::mutex mu_;
  std::map<std::string, domain::Caller> callers_;
};

struct Answer {
  int status = 0;
  nlohmann::json body;
  std::string text;
  std::string async_operation;  // the Azure-AsyncOperation header, when present
  std::string ErrorCode() const {
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  }
  std::string ErrorMessage() const {
    return body.is_object() && body.contains("error") ? body["error"].value("message", "") : "";
  }
};

class InProcessGallery {
 public:
  // `page_size`: items per list page.
  explicit InProcessGallery(const std::string& name, int32_t page_size = 100) {
    dir_ = std::filesystem::temp_directory_path() /
           ("gallery-" + name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    auto store = metadata::OpenSqliteStore(dir_ / "gallery.db");
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto boot = service::EnsureBootstrap(*store_, clock_, *random_);
    EXPECT_TRUE(boot.ok()) << boot.status().ToString();
    boot_ = *boot;
    config_.limits.quotas.galleries = 1000;
    config_.limits.quotas.image_definitions = 1000;
    config_.limits.list_page_size = page_size;
    authz_ = std::make_unique<access::Authorizer>(*store_);
    runner_ =
        std::make_unique<service::OperationRunner>(*store_, clock_, config_.operation_retention_ms);
    service_ = std::make_unique<service::GalleryService>(*store_, regions_, config_, clock_,
                                                         *random_, *runner_, *authz_);
    roles_ = std::make_unique<service::RoleService>(*store_, *authz_, clock_);
    auth_ = std::make_unique<TestHeaderAuthenticator>(
        domain::Caller{boot_.tenant_id,
                       boot_.object_id,
                       "gallery-admin",
                       domain::PrincipalKind::kServicePrincipal,
                       {}});
    api_ =
        std::make_unique<api::ArmApi>(*service_, *roles_, *auth_, api::ArmApiOptions{});
  }
  ~InProcessGallery() {
    api_.reset();
    roles_.reset();
    service_.reset();
    runner_.reset();
    authz_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  const service::BootstrapIdentity& boot() const { return boot_; }
  metadata::MetadataStore& store() { return *store_; }
  std::string Sub() const { return "/subscriptions/" + boot_.subscription_id; }

  // Sends a request as `principal` ("" = the administrator).
  Answer Call(const std::string& method, const std::string& target, const std::string& body = "",
              const std::string& principal = "") {
    HttpRequest req{boost::beast::http::string_to_verb(method), target, 11};
    req.set(boost::beast::http::field::host, "127.0.0.1:8443");
    if (!principal.empty()) {
      req.set(kPrincipalHeader, principal);
    }
    if (!body.empty()) {
      req.set(boost::beast::http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    HttpResponse res = api_->Handle(std::move(req), RequestInfo{"127.0.0.1:1"});
    Answer a;
    a.status = res.result_int();
    a.text = res.body();
    if (auto it = res.find("Azure-AsyncOperation"); it != res.end()) {
      a.async_operation = std::string(it->value());
    }
    a.body = nlohmann::json::parse(a.text, nullptr, false);
    return a;
  }
  Answer CallJson(const std::string& method, const std::string& target, const nlohmann::json& body,
                  const std::string& principal = "") {
    return Call(method, target, body.dump(), principal);
  }

  // Completes every operation due (they are all due at once: no minimum duration).
  void RunOperations() {
    Result<int> n = runner_->RunOnce();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
  }

  // Writes a principal to the directory and registers it as `name` for x-test-principal.
  // Groups are written only; members name their groups in `groups`.
  domain::Caller AddPrincipal(const std::string& name, domain::PrincipalKind kind,
                              std::vector<std::string> groups = {},
                              const std::string& tenant = "") {
    domain::Principal p;
    p.object_id = NewUuid(*random_);
    p.tenant_id = tenant.empty() ? boot_.tenant_id : tenant;
    p.kind = kind;
    p.display_name = name;
    if (kind == domain::PrincipalKind::kServicePrincipal) {
      p.app_id = NewUuid(*random_);
    }
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    EXPECT_TRUE(tx.ok());
    EXPECT_TRUE((*tx)->PutPrincipal(p).ok());
    EXPECT_TRUE((*tx)->Commit().ok());
    domain::Caller caller{p.tenant_id, p.object_id, name, kind, std::move(groups)};
    if (kind != domain::PrincipalKind::kGroup) {
      auth_->Register(name, caller);
    }
    return caller;
  }
  // A tenant and subscription written to the directory.
  void AddSubscription(const std::string& id, const std::string& tenant) {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    EXPECT_TRUE(tx.ok());
    EXPECT_TRUE((*tx)->PutTenant({tenant, tenant, clock_.Now()}).ok());
    EXPECT_TRUE((*tx)->PutSubscription({id, tenant, id, "Enabled", clock_.Now()}).ok());
    EXPECT_TRUE((*tx)->Commit().ok());
  }

  // Makes `object_id` Owner of `scope` directly in the store (as a new subscription's creator
  // is made its owner).
  void MakeOwner(const ResourceId& scope, const std::string& object_id) {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(access::GrantOwner(**tx, scope, object_id, clock_.Now()).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  // PUT of a role assignment; returns the answer.
  Answer Assign(const std::string& scope, const std::string& principal_id,
                const std::string& role_guid, const std::string& principal_type,
                const std::string& as = "") {
    const std::string sub = scope.substr(0, scope.find('/', std::string("/subscriptions/").size()));
    nlohmann::json body = {
        {"properties",
         {{"roleDefinitionId",
           sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role_guid},
          {"principalId", principal_id},
          {"principalType", principal_type}}}};
    return CallJson("PUT",
                    scope + "/providers/Microsoft.Authorization/roleAssignments/" +
                        NewUuid(*random_) + "?api-version=2022-04-01",
                    body, as);
  }

  // ---- resource bodies
  static nlohmann::json Located() { return {{"location", "southcentralus"}}; }
  static nlohmann::json Definition(const std::string& sku) {
    return {{"location", "southcentralus"},
            {"properties",
             {{"osType", "Linux"},
              {"osState", "Generalized"},
              {"identifier", {{"publisher", "p"}, {"offer", "o"}, {"sku", sku}}}}}};
  }
  static nlohmann::json Image() {
    return {{"location", "southcentralus"},
            {"properties",
             {{"storageProfile",
               {{"osDisk",
                 {{"osType", "Linux"},
                  {"osState", "Generalized"},
                  {"blobUri", "https://acct.blob.local/vhds/os.vhd"}}}}}}}};
  }
  static nlohmann::json Version(const std::string& image_id) {
    return {{"location", "southcentralus"},
            {"properties",
             {{"publishingProfile", {{"targetRegions", {{{"name", "southcentralus"}}}}}},
              {"storageProfile", {{"source", {{"id", image_id}}}}}}}};
  }

 private:
  std::filesystem::path dir_;
  FakeClock clock_{1'800'000'000'000};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  domain::RegionCatalog regions_ = domain::RegionCatalog::Default();
  service::ServiceConfig config_;
  std::unique_ptr<metadata::MetadataStore> store_;
  service::BootstrapIdentity boot_;
  std::unique_ptr<access::Authorizer> authz_;
  std::unique_ptr<service::OperationRunner> runner_;
  std::unique_ptr<service::GalleryService> service_;
  std::unique_ptr<service::RoleService> roles_;
  std::unique_ptr<TestHeaderAuthenticator> auth_;
  std::unique_ptr<api::ArmApi> api_;
};

}  // namespace gallery::testing
