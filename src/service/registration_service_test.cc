// RegistrationService: provider and feature registration states, and the gallery feature gate.

#include "service/registration_service.h"

#include <nlohmann/json.hpp>

#include "domain/role_definition.h"
#include "service/activity_test_fixture.h"
#include "service/config_loader.h"

namespace gallery::service {
namespace {

using domain::RegistrationState;

class RegistrationServiceTest : public ServiceFixture {
 protected:
  RegistrationState Feature() {
    auto f = registrations_->GetFeature(ctx_, boot_.subscription_id, "Microsoft.Compute",
                                        "GalleryPreview");
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? f->state : RegistrationState::kNotRegistered;
  }
  RegistrationState Provider(const std::string& name = "Microsoft.Compute") {
    auto p = registrations_->GetProvider(ctx_, boot_.subscription_id, name);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? p->state : RegistrationState::kNotRegistered;
  }
};

TEST_F(RegistrationServiceTest, AFeatureGoesThroughRegisteringToRegistered) {
  config_.registration_delay_ms = 1000;
  Build();
  EXPECT_EQ(Feature(), RegistrationState::kNotRegistered);
  auto reg = registrations_->RegisterFeature(ctx_, boot_.subscription_id, "microsoft.compute",
                                             "gallerypreview");
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ(reg->state, RegistrationState::kRegistering);
  EXPECT_EQ(reg->feature->FullName(), "Microsoft.Compute/GalleryPreview");
  clock_.Advance(999);
  EXPECT_EQ(Feature(), RegistrationState::kRegistering);
  // Registering again changes nothing: the clock does not restart.
  ASSERT_TRUE(
      registrations_
          ->RegisterFeature(ctx_, boot_.subscription_id, "Microsoft.Compute", "GalleryPreview")
          .ok());
  clock_.Advance(1);
  EXPECT_EQ(Feature(), RegistrationState::kRegistered);
  auto unreg = registrations_->UnregisterFeature(ctx_, boot_.subscription_id, "Microsoft.Compute",
                                                 "GalleryPreview");
  ASSERT_TRUE(unreg.ok());
  EXPECT_EQ(unreg->state, RegistrationState::kUnregistering);
  clock_.Advance(1000);
  EXPECT_EQ(Feature(), RegistrationState::kUnregistered);
}

TEST_F(RegistrationServiceTest, ProvidersStartAsTheirPolicySaysAndRegisterDurably) {
  EXPECT_EQ(Provider("Microsoft.Compute"), RegistrationState::kNotRegistered);
  EXPECT_EQ(Provider("Microsoft.Features"), RegistrationState::kRegistered);
  auto reg = registrations_->RegisterProvider(ctx_, boot_.subscription_id, "MICROSOFT.COMPUTE");
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->provider->name, "Microsoft.Compute");
  EXPECT_EQ(reg->state, RegistrationState::kRegistered);  // no delay configured
  Build();                                                // a restart keeps it
  EXPECT_EQ(Provider(), RegistrationState::kRegistered);
  auto all = registrations_->ListProviders(ctx_, boot_.subscription_id);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), domain::KnownProviders().size());
}

TEST_F(RegistrationServiceTest, UnregisteringWhatIsNotRegisteredChangesNothing) {
  auto unreg = registrations_->UnregisterProvider(ctx_, boot_.subscription_id, "Microsoft.Compute");
  ASSERT_TRUE(unreg.ok());
  EXPECT_EQ(unreg->state, RegistrationState::kNotRegistered);
}

TEST_F(RegistrationServiceTest, FeatureListsNarrowByProvider) {
  auto all = registrations_->ListFeatures(ctx_, boot_.subscription_id, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), domain::KnownFeatures().size());
  auto compute = registrations_->ListFeatures(ctx_, boot_.subscription_id, "microsoft.compute");
  ASSERT_TRUE(compute.ok());
  EXPECT_EQ(compute->size(), 1u);
  auto features = registrations_->ListFeatures(ctx_, boot_.subscription_id, "Microsoft.Features");
  ASSERT_TRUE(features.ok());
  EXPECT_TRUE(features->empty());
}

TEST_F(RegistrationServiceTest, UnknownNamesAndForeignSubscriptionsAreErrors) {
  EXPECT_EQ(registrations_->RegisterProvider(ctx_, boot_.subscription_id, "Contoso.Widgets")
                .status()
                .reason(),
            "InvalidResourceNamespace");
  EXPECT_EQ(registrations_->GetFeature(ctx_, boot_.subscription_id, "Microsoft.Compute", "Nope")
                .status()
                .reason(),
            "FeatureNotFound");
  EXPECT_EQ(registrations_->ListFeatures(ctx_, boot_.subscription_id, "Contoso.Widgets")
                .status()
                .reason(),
            "InvalidResourceNamespace");
  RequestContext stranger = ctx_;
  stranger.caller.tenant_id = "another-tenant";
  EXPECT_EQ(registrations_->RegisterProvider(stranger, boot_.subscription_id, "Microsoft.Compute")
                .status()
                .reason(),
            "SubscriptionNotFound");
  EXPECT_EQ(registrations_->ListProviders(stranger, boot_.subscription_id).status().reason(),
            "SubscriptionNotFound");
}

TEST_F(RegistrationServiceTest, RegisteringNeedsTheRegisterActionsAReaderLacks) {
  // A user who holds Reader, then Contributor, on the subscription.
  domain::Principal user;
  user.object_id = "reader-user";
  user.tenant_id = boot_.tenant_id;
  user.kind = domain::PrincipalKind::kUser;
  user.display_name = "Rita";
  user.user_principal_name = "rita@contoso.example";
  domain::RoleAssignment grant;
  grant.name = "6f1c2a0e-4b59-4a7e-9d0f-0a1b2c3d4e5f";
  grant.scope = ResourceId::ForSubscription(boot_.subscription_id);
  grant.role_definition_name = domain::kReaderRoleName;
  grant.principal_id = user.object_id;
  auto put = [&] {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutPrincipal(user).ok());
    ASSERT_TRUE((*tx)->PutRoleAssignment(grant).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  };
  ASSERT_NO_FATAL_FAILURE(put());
  RequestContext rita = ctx_;
  rita.caller = {boot_.tenant_id, user.object_id, user.user_principal_name,
                 domain::PrincipalKind::kUser, {}};

  // Reading is allowed; registering a feature or a provider is not, and nothing changes.
  EXPECT_TRUE(
      registrations_->GetFeature(rita, boot_.subscription_id, "Microsoft.Compute", "GalleryPreview")
          .ok());
  Status feature = registrations_
                       ->RegisterFeature(rita, boot_.subscription_id, "Microsoft.Compute",
                                         "GalleryPreview")
                       .status();
  EXPECT_EQ(feature.reason(), "AuthorizationFailed") << feature.ToString();
  EXPECT_NE(feature.message().find("'Microsoft.Features/providers/features/register/action'"),
            std::string::npos)
      << feature.message();
  Status provider =
      registrations_->RegisterProvider(rita, boot_.subscription_id, "Microsoft.Compute").status();
  EXPECT_EQ(provider.reason(), "AuthorizationFailed") << provider.ToString();
  EXPECT_NE(provider.message().find("'Microsoft.Compute/register/action'"), std::string::npos)
      << provider.message();
  EXPECT_EQ(Feature(), RegistrationState::kNotRegistered);
  EXPECT_EQ(Provider(), RegistrationState::kNotRegistered);

  // A Contributor may.
  grant.role_definition_name = domain::kContributorRoleName;
  ASSERT_NO_FATAL_FAILURE(put());
  EXPECT_TRUE(registrations_
                  ->RegisterFeature(rita, boot_.subscription_id, "Microsoft.Compute",
                                    "GalleryPreview")
                  .ok());
  EXPECT_TRUE(
      registrations_->RegisterProvider(rita, boot_.subscription_id, "Microsoft.Compute").ok());
  EXPECT_NE(Feature(), RegistrationState::kNotRegistered);
}

TEST_F(RegistrationServiceTest, RequiredFeatureRefusesGalleriesUntilRegistered) {
  config_.require_feature_registration = true;
  config_.registration_delay_ms = 500;
  Build();
  ASSERT_TRUE(MakeGroup().ok());
  auto refused = MakeGallery();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().reason(), "SubscriptionNotRegisteredForFeature");
  EXPECT_NE(refused.status().message().find(
                "az feature register --namespace Microsoft.Compute --name GalleryPreview"),
            std::string::npos)
      << refused.status().message();
  ASSERT_TRUE(
      registrations_
          ->RegisterFeature(ctx_, boot_.subscription_id, "Microsoft.Compute", "GalleryPreview")
          .ok());
  auto registering = MakeGallery();
  ASSERT_FALSE(registering.ok());
  EXPECT_NE(registering.status().message().find("Registering"), std::string::npos);
  clock_.Advance(500);
  EXPECT_TRUE(MakeGallery().ok());
}

TEST_F(RegistrationServiceTest, WithoutTheSwitchGalleriesNeedNoFeature) {
  ASSERT_TRUE(MakeGroup().ok());
  EXPECT_TRUE(MakeGallery().ok());
}

TEST(ActivityAndFeatureConfigTest, ReadsTheKeysWithTheirDefaultsAndRefusesBadValues) {
  auto defaults = ParseGalleryConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->service.require_feature_registration);
  EXPECT_EQ(defaults->service.registration_delay_ms, 0);
  EXPECT_EQ(defaults->service.activity_retention_ms, int64_t{90} * 24 * 3600 * 1000);
  EXPECT_EQ(defaults->service.gc_interval_ms, int64_t{3600} * 1000);
  auto config = ParseGalleryConfig(nlohmann::json::parse(R"({
      "storage": {"gcIntervalSeconds": 60},
      "requireFeatureRegistration": true,
      "features": {"registrationDelayMs": 1500},
      "activityLog": {"retentionDays": 7}})"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->service.require_feature_registration);
  EXPECT_EQ(config->service.registration_delay_ms, 1500);
  EXPECT_EQ(config->service.activity_retention_ms, int64_t{7} * 24 * 3600 * 1000);
  EXPECT_EQ(config->service.gc_interval_ms, int64_t{60} * 1000);
  for (const char* bad :
       {R"({"requireFeatureRegistration": "yes"})", R"({"activityLog": {"retentionDays": 0}})",
        R"({"activityLog": {"retentionDays": 3651}})",
        R"({"features": {"registrationDelayMs": -1}})", R"({"activityLog": 90})",
        R"({"storage": {"gcIntervalSeconds": 0}})"}) {
    auto parsed = ParseGalleryConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().reason(), "InvalidConfiguration") << bad;
  }
}

}  // namespace
}  // namespace gallery::service
