#pragma once
// For service tests: the surroundings every data service is built on (a bootstrapped SQLite
// store in a fresh directory, the operation runner, the authorizer, the gallery service and
// the region chunk stores), with a fake clock. A fixture derives from ServiceTestBase, builds
// its own service after OpenServices() and resets it before CloseServices().

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "access/access_signature.h"
#include "access/authorizer.h"
#include "common/random.h"
#include "common/time.h"
#include "domain/region_catalog.h"
#include "service/gallery_service.h"
#include "service/operation_runner.h"
#include "service/request_context.h"
#include "service/test_store.h"
#include "storage/region_stores.h"

namespace gallery::service::test_support {

class ServiceTestBase : public ::testing::Test {
 public:
  // The fake clock's time at the start of every test.
  static constexpr TimestampMs kStartTime = 1'800'000'000'000;

 protected:

  // Opens everything in `dir_` (bootstrapping the store the first time); after
  // CloseServices() it is a restart. Use with ASSERT_NO_FATAL_FAILURE.
  void OpenServices() {
    ASSERT_NO_FATAL_FAILURE(OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    ctx_.caller = {boot_.tenant_id, boot_.object_id, "admin"};
    runner_ = std::make_unique<OperationRunner>(*store_, clock_, config_.operation_retention_ms);
    authz_ = std::make_unique<access::Authorizer>(*store_);
    gallery_ = std::make_unique<GalleryService>(*store_, regions_, config_, clock_, *random_,
                                                *runner_, *authz_);
    stores_ = std::make_unique<storage::RegionStores>(dir_ / "stores");
  }
  // Stops everything, users before what they use.
  void CloseServices() {
    gallery_.reset();
    runner_.reset();
    authz_.reset();
    stores_.reset();
    store_.reset();
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStartTime};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<access::AccessSigner> signer_ =
      std::move(access::AccessSigner::FromKey(std::string(32, 's'))).value();
  domain::RegionCatalog regions_ = domain::RegionCatalog::Default();
  ServiceConfig config_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<OperationRunner> runner_;
  std::unique_ptr<access::Authorizer> authz_;
  std::unique_ptr<GalleryService> gallery_;
  std::unique_ptr<storage::RegionStores> stores_;
  BootstrapIdentity boot_;
  RequestContext ctx_;
};

}  // namespace gallery::service::test_support
