#pragma once
// ServiceFixture (tests only): a bootstrapped SQLite store in a temporary directory with a fake
// clock, the activity recorder, the operation runner feeding it, the gallery, activity log and
// registration services, and a request context acting as the bootstrap administrator.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "metadata/sqlite_store.h"
#include "access/authorizer.h"
#include "service/activity_log_service.h"
#include "service/activity_recorder.h"
#include "service/bootstrap.h"
#include "service/test_store.h"
#include "service/gallery_service.h"
#include "service/operation_runner.h"
#include "service/registration_service.h"

namespace gallery::service {

class ServiceFixture : public ::testing::Test {
 protected:
  static constexpr TimestampMs kStart = 1'800'000'000'000;  // 2027-01-15

  void SetUp() override {
    dir_ = test_support::FreshTestDir("gallery-activity-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    ctx_.caller = {boot_.tenant_id, boot_.object_id, "admin"};
    ctx_.correlation_id = "corr-1";
    ctx_.client_request_id = "client-1";
    Build();
  }
  void TearDown() override {
    Destroy();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Destroy() {
    registrations_.reset();
    activity_log_.reset();
    service_.reset();
    runner_.reset();
    authorizer_.reset();
    recorder_.reset();
  }
  // (Re)builds the services from config_ and the visibility predicate.
  void Build(ScopeVisibility visible = AllScopesVisible) {
    Destroy();
    ActivityRecorderOptions options;
    options.retention_ms = config_.activity_retention_ms;
    options.max_queued = max_queued_;
    recorder_ = std::make_unique<ActivityRecorder>(*store_, clock_, *random_, options);
    runner_ = std::make_unique<OperationRunner>(*store_, clock_, config_.operation_retention_ms,
                                                recorder_.get());
    authorizer_ = std::make_unique<access::Authorizer>(*store_);
    service_ = std::make_unique<GalleryService>(*store_, regions_, config_, clock_, *random_,
                                                *runner_, *authorizer_);
    activity_log_ = std::make_unique<ActivityLogService>(
        *store_, *service_, config_.limits.list_page_size, std::move(visible));
    registrations_ = std::make_unique<RegistrationService>(*store_, *service_, *authorizer_, clock_,
                                                           config_.registration_delay_ms);
  }

  ResourceId Group(const std::string& rg = "rg1") const {
    return ResourceId::ForResourceGroup(boot_.subscription_id, rg);
  }
  ResourceId GalleryId(const std::string& g = "gal1", const std::string& rg = "rg1") const {
    return ResourceId::ForResource(boot_.subscription_id, rg, "Microsoft.Compute",
                                   {{"galleries", g}});
  }
  Status MakeGroup(const std::string& rg = "rg1") {
    return service_
        ->PutResourceGroup(ctx_, Group(rg), {"southcentralus", std::nullopt},
                           domain::UpdateMode::kReplace)
        .status();
  }
  Result<Accepted<domain::Gallery>> MakeGallery(const std::string& g = "gal1",
                                                const std::string& rg = "rg1") {
    domain::GalleryInput in;
    in.location = "southcentralus";
    return service_->PutGallery(ctx_, GalleryId(g, rg), in, domain::UpdateMode::kReplace);
  }

  // A filter over the day around now.
  domain::ActivityFilter Today() const {
    domain::ActivityFilter f;
    f.from = clock_.Now() - 12 * 3600 * 1000;
    f.to = clock_.Now() + 12 * 3600 * 1000;
    return f;
  }
  // Every page of the activity log for `filter`, as `ctx`.
  std::vector<domain::ActivityEvent> ListAll(const domain::ActivityFilter& filter,
                                             const RequestContext& ctx) {
    std::vector<domain::ActivityEvent> out;
    std::string token;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = activity_log_->List(ctx, boot_.subscription_id, filter, token);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) {
        break;
      }
      out.insert(out.end(), page->items.begin(), page->items.end());
      token = page->next_token;
      if (token.empty()) {
        break;
      }
    }
    return out;
  }
  std::vector<domain::ActivityEvent> ListAll() {
    EXPECT_TRUE(recorder_->Flush().ok());
    return ListAll(Today(), ctx_);
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  domain::RegionCatalog regions_ = domain::RegionCatalog::Default();
  ServiceConfig config_;
  size_t max_queued_ = 10000;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<ActivityRecorder> recorder_;
  std::unique_ptr<OperationRunner> runner_;
  std::unique_ptr<access::Authorizer> authorizer_;
  std::unique_ptr<GalleryService> service_;
  std::unique_ptr<ActivityLogService> activity_log_;
  std::unique_ptr<RegistrationService> registrations_;
  BootstrapIdentity boot_;
  RequestContext ctx_;
};

}  // namespace gallery::service
