// StoreAdminApi without sockets, over a real SQLite store and real file chunk stores.

#include "api/store_admin_api.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "service/test_store.h"
#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/ingest.h"

namespace gallery::api {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using nlohmann::json;

constexpr uint32_t kChunk = 64 * 1024;
constexpr char kScrub[] = "/providers/Gallery.Storage/scrub?api-version=2024-01-01";

// "Bearer <object id>" acts as that principal of the tenant `tenants` maps it to.
class TestAuthenticator final : public Authenticator {
 public:
  std::map<std::string, std::string> tenants;
  Result<domain::Caller> Authenticate(const HttpRequest& request) override {
    const std::string header(HeaderValue(request, "Authorization"));
    if (header.rfind("Bearer ", 0) != 0) {
      return Status::Unauthenticated("no token").WithReason("AuthenticationFailed");
    }
    const std::string id = header.substr(7);
    return domain::Caller{tenants[id], id, "caller " + id, domain::PrincipalKind::kUser, {}};
  }
  std::string Challenge(const Status&) const override { return "Bearer realm=\"test\""; }
};

class StoreAdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = service::test_support::FreshTestDir("store-admin-api-test");
    ASSERT_NO_FATAL_FAILURE(
        service::test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    for (const char* name : {"eastus", "westus"}) {
      auto opened = storage::FileChunkStore::Open(dir_ / "stores" / name);
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      chunks_[name] = std::move(*opened);
    }
    auth_.tenants[boot_.object_id] = boot_.tenant_id;
    directory_ = std::make_unique<service::DirectoryService>(*store_, clock_, *random_);
    scrub_ = std::make_unique<service::StoreScrub>(
        *store_,
        [this](const std::string& name) -> Result<storage::ChunkStore*> {
          auto it = chunks_.find(name);
          if (it == chunks_.end()) {
            return Status::NotFound("no store " + name);
          }
          return it->second.get();
        },
        [] {
          return std::vector<std::string>{"eastus", "westus"};
        },
        clock_, service::StoreScrubOptions{.interval_ms = 0});
    api_ = std::make_unique<StoreAdminApi>(*scrub_, *directory_, auth_,
                                           StoreAdminApiOptions{boot_.tenant_id});
  }
  void TearDown() override {
    api_.reset();
    scrub_.reset();
    chunks_.clear();
    fs::remove_all(dir_);
  }

  // The same random disk in both stores, recorded for each; its chunks.
  std::vector<storage::ChunkDigest> PutEverywhere(uint64_t seed, int chunks) {
    storage::MemoryDisk disk(storage::MemoryDisk::RandomBytes(chunks * kChunk, seed));
    storage::IngestOptions options;
    options.chunk_size = kChunk;
    storage::Manifest manifest;
    for (auto& [name, store] : chunks_) {
      manifest = *storage::Ingest(disk, *store, options);
      Record(name + std::to_string(seed), name, storage::EncodeManifest(manifest));
    }
    return storage::DistinctChunks(manifest);
  }
  void Record(const std::string& id, const std::string& store, const std::string& body) {
    auto tx = std::move(*store_->Begin(metadata::TxMode::kWrite));
    EXPECT_TRUE(tx->PutManifest({id, store, body, clock_.Now()}).ok());
    EXPECT_TRUE(tx->Commit().ok());
  }

  HttpResponse Call(http::verb method, const std::string& target,
                    const std::string& caller = "admin") {
    HttpRequest req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:8443");
    if (!caller.empty()) {
      req.set(http::field::authorization,
              "Bearer " + (caller == "admin" ? boot_.object_id : caller));
    }
    req.prepare_payload();
    return api_->Handle(std::move(req), {});
  }
  static void ExpectError(const HttpResponse& res, http::status status, const std::string& code) {
    EXPECT_EQ(res.result(), status) << res.body();
    json body = json::parse(res.body(), nullptr, false);
    EXPECT_EQ(body["error"]["code"], code) << res.body();
  }
  // The path and query of a Location on this test's host.
  static std::string PathOf(const HttpResponse& res) {
    const std::string location(res[http::field::location]);
    const std::string base = "https://127.0.0.1:8443";
    EXPECT_EQ(location.rfind(base, 0), 0u) << location;
    return location.substr(base.size());
  }
  // Polls a 202's Location until it answers something else.
  HttpResponse Finish(const HttpResponse& accepted) {
    EXPECT_EQ(accepted.result(), http::status::accepted) << accepted.body();
    EXPECT_EQ(accepted[http::field::retry_after], "2");
    const std::string path = PathOf(accepted);
    for (int i = 0; i < 1000; ++i) {
      HttpResponse res = Call(http::verb::get, path);
      if (res.result() != http::status::accepted) {
        return res;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the scrub did not finish";
    return {};
  }

  fs::path dir_;
  FakeClock clock_{1'800'000'000'000};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  service::BootstrapIdentity boot_;
  std::map<std::string, std::unique_ptr<storage::FileChunkStore>> chunks_;
  TestAuthenticator auth_;
  std::unique_ptr<service::DirectoryService> directory_;
  std::unique_ptr<service::StoreScrub> scrub_;
  std::unique_ptr<StoreAdminApi> api_;
};

TEST_F(StoreAdminApiTest, ServesOnlyGalleryStoragePaths) {
  EXPECT_TRUE(StoreAdminApi::Serves(kScrub));
  EXPECT_TRUE(StoreAdminApi::Serves("/PROVIDERS/gallery.storage/scrubOperations/1"));
  EXPECT_FALSE(StoreAdminApi::Serves("/providers/Gallery.Storagex/scrub"));
  EXPECT_FALSE(StoreAdminApi::Serves("/providers/Microsoft.Compute/operations"));
}

TEST_F(StoreAdminApiTest, AnAdministratorsScrubIsALongRunningOperationEndingInTheReport) {
  std::vector<storage::ChunkDigest> chunks = PutEverywhere(1, 3);
  const fs::path damaged = chunks_["eastus"]->ChunkPath(chunks[1]);
  fs::resize_file(damaged, fs::file_size(damaged) - 1);
  scrub_->Start();

  HttpResponse accepted = Call(http::verb::post, kScrub);
  EXPECT_FALSE(accepted["x-ms-request-id"].empty());
  EXPECT_NE(PathOf(accepted).find("/providers/Gallery.Storage/scrubOperations/"),
            std::string::npos);
  HttpResponse done = Finish(accepted);
  ASSERT_EQ(done.result(), http::status::ok) << done.body();
  json report = json::parse(done.body());
  ASSERT_EQ(report["stores"].size(), 2u) << report.dump();
  json east = report["stores"][0];
  EXPECT_EQ(east["name"], "eastus");
  EXPECT_EQ(east["chunksChecked"], 3);
  EXPECT_EQ(east["bytesChecked"], 2 * kChunk);
  EXPECT_EQ(east["corrupt"], 1);
  EXPECT_EQ(east["missing"], 0);
  EXPECT_EQ(east["repaired"], 1);
  EXPECT_EQ(east["unrepairable"], 0);
  EXPECT_EQ(east["problems"], json::parse(R"([{"digest":")" + storage::ToHex(chunks[1]) +
                                          R"(","problem":"corrupt","repaired":true}])"));
  EXPECT_EQ(report["stores"][1]["name"], "westus");
  EXPECT_EQ(report["stores"][1]["problems"], json::array());
}

TEST_F(StoreAdminApiTest, APassThatFailsAnswersItsErrorWhenPolled) {
  Record("garbled", "eastus", "not a manifest");
  scrub_->Start();
  HttpResponse done = Finish(Call(http::verb::post, kScrub));
  EXPECT_NE(done.result(), http::status::ok);
  json body = json::parse(done.body(), nullptr, false);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("'garbled' does not decode"),
            std::string::npos)
      << done.body();
}

TEST_F(StoreAdminApiTest, WithoutItsBackgroundThreadTheScrubIsRefused) {
  ExpectError(Call(http::verb::post, kScrub), http::status::conflict, "Conflict");
}

TEST_F(StoreAdminApiTest, OnlyADirectoryAdministratorOfTheInstallationsTenantMayScrub) {
  scrub_->Start();
  ExpectError(Call(http::verb::post, kScrub, ""), http::status::unauthorized,
              "AuthenticationFailed");
  EXPECT_EQ(Call(http::verb::post, kScrub, "")[http::field::www_authenticate],
            "Bearer realm=\"test\"");

  // An Owner of the subscription who is not a directory administrator.
  service::RequestContext admin;
  admin.caller = {boot_.tenant_id, boot_.object_id, "admin"};
  Result<domain::Principal> user = directory_->CreateUser(admin, {"owner@x", "", "password-1"});
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  auth_.tenants[user->object_id] = boot_.tenant_id;
  HttpResponse user_res = Call(http::verb::post, kScrub, user->object_id);
  ExpectError(user_res, http::status::forbidden, "AuthorizationFailed");
  EXPECT_NE(user_res.body().find("not a directory administrator"), std::string::npos);

  // A directory administrator of another tenant.
  {
    auto tx = std::move(*store_->Begin(metadata::TxMode::kWrite));
    ASSERT_TRUE(tx->PutTenant({"other-tenant", "Other", 0}).ok());
    domain::Principal stranger = *user;
    stranger.object_id = "stranger";
    stranger.tenant_id = "other-tenant";
    stranger.user_principal_name = "stranger@other";
    stranger.directory_admin = true;
    ASSERT_TRUE(tx->PutPrincipal(stranger).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auth_.tenants["stranger"] = "other-tenant";
  HttpResponse stranger_res = Call(http::verb::post, kScrub, "stranger");
  ExpectError(stranger_res, http::status::forbidden, "AuthorizationFailed");
  EXPECT_NE(stranger_res.body().find("installation's tenant"), std::string::npos);
  // Polling is checked the same way.
  ExpectError(
      Call(http::verb::get, "/providers/Gallery.Storage/scrubOperations/1?api-version=2024-01-01",
           "stranger"),
      http::status::forbidden, "AuthorizationFailed");
}

TEST_F(StoreAdminApiTest, MalformedRequestsAreArmErrors) {
  ExpectError(Call(http::verb::post, "/providers/Gallery.Storage/scrub"), http::status::bad_request,
              "MissingApiVersionParameter");
  ExpectError(Call(http::verb::post, "/providers/Gallery.Storage/scrub?api-version=2021-01-01"),
              http::status::bad_request, "InvalidApiVersionParameter");
  ExpectError(Call(http::verb::get, kScrub), http::status::method_not_allowed, "MethodNotAllowed");
  ExpectError(
      Call(http::verb::post, "/providers/Gallery.Storage/scrubOperations/1?api-version=2024-01-01"),
      http::status::method_not_allowed, "MethodNotAllowed");
  ExpectError(Call(http::verb::post, "/providers/Gallery.Storage/defrag?api-version=2024-01-01"),
              http::status::not_found, "InvalidResourceType");
  ExpectError(
      Call(http::verb::get, "/providers/Gallery.Storage/scrubOperations/42?api-version=2024-01-01"),
      http::status::not_found, "ResourceNotFound");
  ExpectError(
      Call(http::verb::get, "/providers/Gallery.Storage/scrubOperations/x1?api-version=2024-01-01"),
      http::status::not_found, "ResourceNotFound");
  ExpectError(Call(http::verb::post, "/providers/Gallery.Storage/scrub?api-version=%zz"),
              http::status::bad_request, "InvalidUri");
}

}  // namespace
}  // namespace gallery::api
