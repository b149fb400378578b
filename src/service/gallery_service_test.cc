// GalleryService and OperationRunner over a real SQLite store in a temp dir, with a fake clock.

#include "service/gallery_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "access/secret_hash.h"
#include "metadata/sqlite_store.h"
#include "service/bootstrap.h"
#include "service/config_loader.h"
#include "service/operation_runner.h"
#include "service/replication_work.h"
#include "domain/replication_status.h"
#include "service/test_store.h"

namespace gallery::service {
namespace {

using domain::OperationStatus;
using domain::ProvisioningState;
using domain::UpdateMode;

constexpr TimestampMs kStart = 1'800'000'000'000;  // 2027-01-15

class GalleryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("gallery-service-test");
    Open();
  }
  void TearDown() override {
    service_.reset();
    replication_work_.reset();
    replicator_.reset();
    runner_.reset();
    authz_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // (Re)opens the store and builds the service: what a galleryd start does.
  void Open() {
    service_.reset();
    replication_work_.reset();
    replicator_.reset();
    runner_.reset();
    authz_.reset();
    store_.reset();
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    ctx_.caller = {boot_.tenant_id, boot_.object_id, "admin"};
    runner_ = std::make_unique<OperationRunner>(*store_, clock_, config_.operation_retention_ms);
    // Versions made here carry no data: their replicas complete without touching a store.
    replicator_ = std::make_unique<replication::Replicator>(
        *store_, regions_,
        [](const std::string& name) -> Result<storage::ChunkStore*> {
          return Status::Unavailable("no store " + name + " in this test");
        },
        clock_, *random_, replication::ReplicatorOptions{});
    replication_work_ =
        std::make_unique<ReplicationWork>(*store_, *replicator_, clock_, *runner_);
    runner_->AddWork(replication_work_.get());
    authz_ = std::make_unique<access::Authorizer>(*store_);
    service_ = std::make_unique<GalleryService>(*store_, regions_, config_, clock_, *random_,
                                                *runner_, *authz_);
  }

  // Completes due operations; a version's replication (queued by the runner) runs here too,
  // and the operations it made due complete.
  int RunOperations() {
    Result<int> n = runner_->RunOnce();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (n.ok() && replicator_->RunQueued() > 0) {
      Result<int> more = runner_->RunOnce();
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      return more.ok() ? *n + *more : -1;
    }
    return n.ok() ? *n : -1;
  }

  ResourceId Group(const std::string& rg = "rg1") {
    return ResourceId::ForResourceGroup(boot_.subscription_id, rg);
  }
  ResourceId Compute(std::vector<ResourceId::Segment> segs, const std::string& rg = "rg1") {
    return ResourceId::ForResource(boot_.subscription_id, rg, "Microsoft.Compute", std::move(segs));
  }
  ResourceId GalleryId(const std::string& g = "gal1") { return Compute({{"galleries", g}}); }
  ResourceId DefinitionId() { return GalleryId().Child("images", "def1"); }
  ResourceId VersionId(const std::string& v) { return DefinitionId().Child("versions", v); }
  ResourceId ImageId() { return Compute({{"images", "img1"}}); }

  void MakeGroup(const std::string& rg = "rg1") {
    ASSERT_TRUE(service_->PutResourceGroup(ctx_, Group(rg), {"southcentralus", std::nullopt},
                                          UpdateMode::kReplace).ok());
  }
  Status MakeGallery(const std::string& name, const std::string& location = "southcentralus",
                     const std::string& description = "") {
    domain::GalleryInput in;
    in.location = location;
    if (!description.empty()) {
      in.description = description;
    }
    return service_->PutGallery(ctx_, GalleryId(name), in, UpdateMode::kReplace).status();
  }
  // rg1 / gal1 / def1 and managed image img1, all provisioned.
  void MakeBasics() {
    MakeGroup();
    ASSERT_TRUE(MakeGallery("gal1").ok());
    domain::GalleryImageInput def;
    def.location = "southcentralus";
    def.os_type = domain::OsType::kLinux;
    def.os_state = domain::OsState::kGeneralized;
    def.identifier = domain::ImageIdentifier{"p", "o", "s"};
    ASSERT_TRUE(service_->PutGalleryImage(ctx_, DefinitionId(), def, UpdateMode::kReplace).ok());
    domain::ManagedImageInput img;
    img.location = "southcentralus";
    img.os_type = domain::OsType::kLinux;
    img.os_state = domain::OsState::kGeneralized;
    img.os_disk = domain::ImageDisk{};
    img.os_disk->blob_uri = "https://x/os.vhd";
    ASSERT_TRUE(service_->PutManagedImage(ctx_, ImageId(), img, UpdateMode::kReplace).ok());
    RunOperations();
  }
  Result<Accepted<domain::GalleryImageVersion>> MakeVersion(const std::string& v,
                                                            bool exclude = false) {
    domain::GalleryImageVersionInput in;
    in.location = "southcentralus";
    in.source_id = ImageId().ToString();
    in.exclude_from_latest = exclude;
    in.target_regions = std::vector<domain::TargetRegionInput>{{"southcentralus"}, {"eastus"}};
    return service_->PutGalleryImageVersion(ctx_, VersionId(v), in, UpdateMode::kReplace);
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  domain::RegionCatalog regions_ = domain::RegionCatalog::Default();
  ServiceConfig config_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<OperationRunner> runner_;
  std::unique_ptr<replication::Replicator> replicator_;
  std::unique_ptr<ReplicationWork> replication_work_;
  std::unique_ptr<access::Authorizer> authz_;
  std::unique_ptr<GalleryService> service_;
  BootstrapIdentity boot_;
  RequestContext ctx_;
};

TEST_F(GalleryServiceTest, CreateIsCreatingUntilTheRunnerCompletesIt) {
  MakeGroup();
  auto accepted = service_->PutGallery(ctx_, GalleryId(), {"southcentralus", {}, "d", {}},
                                       UpdateMode::kReplace);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  EXPECT_TRUE(accepted->created);
  EXPECT_EQ(accepted->resource.meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(accepted->operation.status, OperationStatus::kInProgress);
  EXPECT_EQ(RunOperations(), 1);
  auto g = service_->GetGallery(ctx_, GalleryId());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->meta.provisioning_state, ProvisioningState::kSucceeded);
  EXPECT_TRUE(g->meta.operation_id.empty());
  auto op = service_->GetOperation(ctx_, boot_.subscription_id, accepted->operation.id);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->status, OperationStatus::kSucceeded);
  EXPECT_EQ(op->end_time, kStart);
}

TEST_F(GalleryServiceTest, OperationsWaitForTheirMinimumDuration) {
  config_.operation_min_duration_ms = 5000;
  Open();
  MakeGroup();
  ASSERT_TRUE(MakeGallery("gal1").ok());
  EXPECT_EQ(RunOperations(), 0);
  clock_.Advance(4999);
  EXPECT_EQ(RunOperations(), 0);
  clock_.Advance(1);
  EXPECT_EQ(RunOperations(), 1);
}

TEST_F(GalleryServiceTest, OperationsInFlightCompleteAfterARestart) {
  config_.operation_min_duration_ms = 5000;
  Open();
  MakeGroup();
  ASSERT_TRUE(MakeGallery("gal1").ok());
  Open();  // a new process on the same store; the operation was never run
  clock_.Advance(5000);
  EXPECT_EQ(RunOperations(), 1);
  EXPECT_EQ(service_->GetGallery(ctx_, GalleryId())->meta.provisioning_state,
            ProvisioningState::kSucceeded);
}

TEST_F(GalleryServiceTest, QuotasCountPerSubscriptionAndRegion) {
  config_.limits.quotas.galleries = 2;
  Open();
  MakeGroup();
  ASSERT_TRUE(MakeGallery("g1").ok());
  ASSERT_TRUE(MakeGallery("g2").ok());
  Status third = MakeGallery("g3");
  EXPECT_EQ(third.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(third.reason(), "GalleryQuotaExceeded");
  EXPECT_NE(third.message().find("Limit: 2, current usage: 2"), std::string::npos);
  EXPECT_TRUE(MakeGallery("g4", "eastus2").ok());  // another region has its own quota
  EXPECT_EQ(service_->GetGallery(ctx_, GalleryId("g3")).status().code(), StatusCode::kNotFound);
  auto usages = service_->ListUsages(ctx_, boot_.subscription_id, "South Central US");
  ASSERT_TRUE(usages.ok());
  EXPECT_EQ((*usages)[0].name, "galleries");
  EXPECT_EQ((*usages)[0].current, 2);
  EXPECT_EQ((*usages)[0].limit, 2);
  // Updating an existing gallery does not count against the quota.
  EXPECT_TRUE(MakeGallery("g1", "southcentralus", "changed").ok());
}

TEST_F(GalleryServiceTest, GalleryNamesAreUniqueInTheSubscriptionNotOnlyInTheGroup) {
  MakeGroup("rg1");
  MakeGroup("rg2");
  ASSERT_TRUE(MakeGallery("gal1").ok());
  auto twin = service_->PutGallery(ctx_, Compute({{"galleries", "GAL1"}}, "rg2"),
                                   {"southcentralus", {}, {}, {}}, UpdateMode::kReplace);
  EXPECT_EQ(twin.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(twin.status().reason(), "GalleryNameNotUnique");
  EXPECT_EQ(twin.status().message(),
            "The gallery name 'GAL1' is not unique within the subscription '" +
                boot_.subscription_id + "': gallery " + GalleryId("gal1").ToString() +
                " has it. Please pick another gallery name.");
  EXPECT_EQ(service_->GetGallery(ctx_, Compute({{"galleries", "GAL1"}}, "rg2")).status().code(),
            StatusCode::kNotFound);
  // Updating the gallery that has the name is not a clash with itself.
  EXPECT_TRUE(MakeGallery("gal1", "southcentralus", "changed").ok());
  EXPECT_TRUE(service_->PutGallery(ctx_, Compute({{"galleries", "gal2"}}, "rg2"),
                                   {"southcentralus", {}, {}, {}}, UpdateMode::kReplace)
                  .ok());
}

TEST_F(GalleryServiceTest, ParentsMustExistAndNotBeDeleting) {
  EXPECT_EQ(MakeGallery("gal1").reason(), "ResourceGroupNotFound");
  MakeGroup();
  domain::GalleryImageInput def;
  def.location = "southcentralus";
  auto orphan = service_->PutGalleryImage(ctx_, DefinitionId(), def, UpdateMode::kReplace);
  EXPECT_EQ(orphan.status().reason(), "ParentResourceNotFound");
  ASSERT_TRUE(service_->DeleteResourceGroup(ctx_, Group()).ok());
  EXPECT_EQ(MakeGallery("gal1").reason(), "ParentResourceIsBeingDeleted");
  ResourceId other_sub = ResourceId::ForResource("no-such-sub", "rg1", "Microsoft.Compute",
                                                 {{"galleries", "g"}});
  auto missing = service_->PutGallery(ctx_, other_sub, {"southcentralus", {}, {}, {}},
                                      UpdateMode::kReplace);
  EXPECT_EQ(missing.status().reason(), "SubscriptionNotFound");
}

TEST_F(GalleryServiceTest, PatchOfAMissingResourceIsNotFound) {
  MakeGroup();
  auto patched = service_->PutGallery(ctx_, GalleryId(), {{}, {}, "x", {}}, UpdateMode::kMerge);
  EXPECT_EQ(patched.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(patched.status().reason(), "ResourceNotFound");
}

TEST_F(GalleryServiceTest, DeletingAGroupDeletesEverythingInIt) {
  MakeBasics();
  ASSERT_TRUE(MakeVersion("1.0.0").ok());
  RunOperations();
  auto op = service_->DeleteResourceGroup(ctx_, Group());
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE(op->has_value());
  EXPECT_EQ(service_->GetResourceGroup(ctx_, Group())->meta.provisioning_state,
            ProvisioningState::kDeleting);
  EXPECT_EQ(RunOperations(), 1);
  EXPECT_EQ(service_->GetResourceGroup(ctx_, Group()).status().reason(), "ResourceGroupNotFound");
  auto tx = store_->Begin(metadata::TxMode::kRead);
  metadata::ResourceQuery all;
  all.subscription = boot_.subscription_id;
  EXPECT_EQ(*(*tx)->CountResources(all), 0);
}

TEST_F(GalleryServiceTest, ContainersWithChildrenCannotBeDeleted) {
  MakeBasics();
  auto refused = service_->DeleteResource(ctx_, GalleryId());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().reason(), "CannotDeleteResource");
  EXPECT_EQ(service_->GetGallery(ctx_, GalleryId())->meta.provisioning_state,
            ProvisioningState::kSucceeded);
}

TEST_F(GalleryServiceTest, DeletingWhatIsNotThereIsNoOperationAndASecondDeleteJoinsTheFirst) {
  MakeGroup();
  auto none = service_->DeleteResource(ctx_, GalleryId());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(MakeGallery("gal1").ok());
  RunOperations();
  auto first = service_->DeleteResource(ctx_, GalleryId());
  auto second = service_->DeleteResource(ctx_, GalleryId());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ((*first)->id, (*second)->id);
  EXPECT_EQ(RunOperations(), 1);
  EXPECT_EQ(service_->GetGallery(ctx_, GalleryId()).status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryServiceTest, ALaterUpdateSupersedesAnEarlierOne) {
  MakeGroup();
  auto create = service_->PutGallery(ctx_, GalleryId(), {"southcentralus", {}, "one", {}},
                                     UpdateMode::kReplace);
  auto update = service_->PutGallery(ctx_, GalleryId(), {"southcentralus", {}, "two", {}},
                                     UpdateMode::kReplace);
  ASSERT_TRUE(create.ok() && update.ok());
  EXPECT_FALSE(update->created);
  EXPECT_EQ(RunOperations(), 2);
  auto g = service_->GetGallery(ctx_, GalleryId());
  EXPECT_EQ(g->description, "two");
  EXPECT_EQ(g->meta.provisioning_state, ProvisioningState::kSucceeded);
  for (const auto& id : {create->operation.id, update->operation.id}) {
    EXPECT_EQ(service_->GetOperation(ctx_, boot_.subscription_id, id)->status,
              OperationStatus::kSucceeded);
  }
}

TEST_F(GalleryServiceTest, AnUpdateOfAResourceBeingDeletedIsRefused) {
  MakeGroup();
  ASSERT_TRUE(MakeGallery("gal1").ok());
  ASSERT_TRUE(service_->DeleteResource(ctx_, GalleryId()).ok());
  Status s = MakeGallery("gal1", "southcentralus", "late");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "ResourceIsBeingDeleted");
  RunOperations();
  EXPECT_EQ(service_->GetGallery(ctx_, GalleryId()).status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryServiceTest, ACreateSupersededByADeleteEndsCanceledNotSucceeded) {
  MakeGroup();
  auto create = service_->PutGallery(ctx_, GalleryId(), {"southcentralus", {}, "one", {}},
                                     UpdateMode::kReplace);
  ASSERT_TRUE(create.ok());
  ASSERT_TRUE(service_->DeleteResource(ctx_, GalleryId()).ok());
  RunOperations();
  auto op = service_->GetOperation(ctx_, boot_.subscription_id, create->operation.id);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->status, OperationStatus::kCanceled);
  EXPECT_EQ(op->error_code, "ResourceDeleted");
  // "was deleted" or "was being deleted": the runner may complete either operation first.
  EXPECT_THAT(op->error_message,
              ::testing::AllOf(::testing::StartsWith("The resource '" + GalleryId().ToString()),
                               ::testing::EndsWith("deleted before this operation completed.")));
  EXPECT_EQ(service_->GetGallery(ctx_, GalleryId()).status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryServiceTest, VersionsCompleteEveryTargetRegion) {
  MakeBasics();
  auto v = MakeVersion("1.0.0");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  // One replica planned per region (the common count, 1), in the region's first store.
  ASSERT_EQ(v->resource.replicas.size(), 2u);
  EXPECT_EQ(v->resource.replicas[0].region, "southcentralus");
  EXPECT_EQ(v->resource.replicas[0].store, "southcentralus");
  EXPECT_EQ(v->resource.replicas[1].region, "eastus");
  EXPECT_EQ(v->resource.replicas[0].state, domain::ReplicationState::kQueued);
  EXPECT_EQ(v->resource.meta.provisioning_state, ProvisioningState::kCreating);
  RunOperations();
  auto done = service_->GetGalleryImageVersion(ctx_, VersionId("1.0.0"));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->meta.provisioning_state, ProvisioningState::kSucceeded);
  for (const auto& r : domain::SummarizeReplication(*done)) {
    EXPECT_EQ(r.state, domain::ReplicationState::kCompleted);
    EXPECT_EQ(r.progress, 100);
  }
}

TEST_F(GalleryServiceTest, ASourceInAnotherTenantIsRefusedSharingNeverCrossesTenants) {
  MakeBasics();
  // A second tenant with its own subscription and image.
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->PutTenant({"other-tenant", "Other", kStart}).ok());
    ASSERT_TRUE((*tx)->PutSubscription({"other-sub", "other-tenant", "Other", "Enabled", kStart}).ok());
    domain::ManagedImage foreign;
    foreign.meta.id = ResourceId::ForResource("other-sub", "rg", "Microsoft.Compute", {{"images", "x"}});
    foreign.meta.location = "southcentralus";
    foreign.meta.provisioning_state = ProvisioningState::kSucceeded;
    foreign.os_disk.blob_uri = "https://x/y.vhd";
    ASSERT_TRUE((*tx)->PutResource(foreign).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  domain::GalleryImageVersionInput in;
  in.location = "southcentralus";
  in.source_id = "/subscriptions/other-sub/resourceGroups/rg/providers/Microsoft.Compute/images/x";
  auto v = service_->PutGalleryImageVersion(ctx_, VersionId("1.0.0"), in, UpdateMode::kReplace);
  EXPECT_EQ(v.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(v.status().reason(), "CrossTenantSourceNotAllowed");
  EXPECT_NE(v.status().message().find("another tenant"), std::string::npos);
  // And the other tenant's subscription is invisible.
  EXPECT_EQ(service_->GetSubscription(ctx_, "other-sub").status().reason(), "SubscriptionNotFound");
  auto subs = service_->ListSubscriptions(ctx_);
  ASSERT_EQ(subs->size(), 1u);
  EXPECT_EQ((*subs)[0].id, boot_.subscription_id);
}

TEST_F(GalleryServiceTest, LatestIsTheHighestUsableVersion) {
  MakeBasics();
  ASSERT_TRUE(MakeVersion("1.9.0").ok());
  ASSERT_TRUE(MakeVersion("1.10.0").ok());
  ASSERT_TRUE(MakeVersion("2.0.0", /*exclude=*/true).ok());
  EXPECT_EQ(service_->ResolveLatestVersion(ctx_, DefinitionId(), std::nullopt).status().reason(),
            "NoLatestVersion");  // nothing provisioned yet
  RunOperations();
  auto latest = service_->ResolveLatestVersion(ctx_, DefinitionId(), std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->meta.id.Name(), "1.10.0");
  EXPECT_EQ(service_->ResolveLatestVersion(ctx_, DefinitionId(), "East US")->meta.id.Name(),
            "1.10.0");
  EXPECT_EQ(service_->ResolveLatestVersion(ctx_, DefinitionId(), "westus2").status().reason(),
            "NoLatestVersion");
  EXPECT_EQ(service_->ResolveLatestVersion(ctx_, DefinitionId(), "mars").status().reason(),
            "LocationNotAvailableForResourceType");
}

TEST_F(GalleryServiceTest, ListsPageWithOpaqueTokens) {
  config_.limits.list_page_size = 2;
  Open();
  MakeGroup();
  for (const char* g : {"a1", "b2", "c3", "d4", "e5"}) {
    ASSERT_TRUE(MakeGallery(g).ok());
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    auto page = service_->ListGalleries(ctx_, {boot_.subscription_id, "rg1", std::nullopt}, token);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& g : page->items) {
      names.push_back(g.meta.id.Name());
    }
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"a1", "b2", "c3", "d4", "e5"}));
  auto forged = service_->ListGalleries(ctx_, {boot_.subscription_id, "", std::nullopt}, "!!");
  EXPECT_EQ(forged.status().reason(), "InvalidSkipToken");
}

TEST_F(GalleryServiceTest, MovingResourcesIsRefused) {
  MakeBasics();
  Status gallery = service_->MoveResources(ctx_, Group(), {GalleryId().ToString()},
                                           Group("rg2").ToString());
  EXPECT_EQ(gallery.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(gallery.reason(), "ResourceMoveNotSupported");
  EXPECT_NE(gallery.message().find("role-based access control"), std::string::npos);
  EXPECT_EQ(service_->MoveResources(ctx_, Group(), {}, Group("rg2").ToString()).reason(),
            "InvalidParameter");
  EXPECT_EQ(service_->MoveResources(ctx_, Group(), {GalleryId().ToString()}, "rg2").reason(),
            "InvalidParameter");
  ResourceId elsewhere = Compute({{"galleries", "x"}}, "rg9");
  EXPECT_EQ(service_->MoveResources(ctx_, Group(), {elsewhere.ToString()},
                                    Group("rg2").ToString())
                .reason(),
            "InvalidParameter");
}

TEST_F(GalleryServiceTest, BootstrapHappensOnceAndStoresOnlyAHash) {
  auto again = EnsureBootstrap(*store_, clock_, *random_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->tenant_id, boot_.tenant_id);
  EXPECT_EQ(again->client_id, boot_.client_id);
  EXPECT_TRUE(again->client_secret.empty());
  auto tx = store_->Begin(metadata::TxMode::kRead);
  auto admin = (*tx)->FindPrincipalByAppId(boot_.client_id);
  ASSERT_TRUE(admin.ok() && admin->has_value());
  EXPECT_EQ((*admin)->secret_hash.find(boot_.client_secret), std::string::npos);
  EXPECT_TRUE(access::VerifySecret(boot_.client_secret, (*admin)->secret_hash));
}

TEST(ConfigLoaderTest, DefaultsAreTheProductDescriptions) {
  auto config = ParseGalleryConfig(nlohmann::json::object());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->service.limits.quotas.galleries, 10);
  EXPECT_EQ(config->service.limits.quotas.image_definitions, 200);
  EXPECT_EQ(config->service.limits.quotas.image_versions, 2000);
  EXPECT_EQ(config->regions.regions().size(), 14u);
}

TEST(ConfigLoaderTest, ReadsEveryKeyAndRefusesBadValues) {
  auto config = ParseGalleryConfig(nlohmann::json::parse(R"({
      "regions": [{"name": "site-a", "displayName": "Site A", "galleries": true, "replication": true}],
      "quotas": {"galleries": 1, "imageDefinitions": 2, "imageVersions": 3},
      "limits": {"maxReplicaCount": 4, "maxTargetRegions": 5, "listPageSize": 6},
      "operations": {"minDurationMs": 7, "retentionHours": 8}})"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->regions.regions().size(), 1u);
  EXPECT_EQ(config->service.limits.quotas.image_versions, 3);
  EXPECT_EQ(config->service.limits.max_replica_count, 4);
  EXPECT_EQ(config->service.limits.list_page_size, 6);
  EXPECT_EQ(config->service.operation_min_duration_ms, 7);
  EXPECT_EQ(config->service.operation_retention_ms, 8 * 3'600'000);
  for (const char* bad : {R"({"quotas": {"galleries": -1}})", R"({"limits": {"listPageSize": 0}})",
                          R"({"limits": {"maxReplicaCount": "3"}})", R"({"quotas": 5})",
                          R"({"regions": []})", R"([])"}) {
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().reason(), "InvalidConfiguration") << bad;
  }
}

}  // namespace
}  // namespace gallery::service
