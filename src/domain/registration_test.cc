#include "domain/registration.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "domain/provider_catalog.h"

namespace gallery::domain {
namespace {

TEST(RegistrationTest, RegisteringBecomesRegisteredAfterTheDelay) {
  Registration r;
  r.state = RegistrationState::kRegistering;
  r.changed_at = 1000;
  EXPECT_EQ(EffectiveState(r, 1000, 500), RegistrationState::kRegistering);
  EXPECT_EQ(EffectiveState(r, 1499, 500), RegistrationState::kRegistering);
  EXPECT_EQ(EffectiveState(r, 1500, 500), RegistrationState::kRegistered);
  EXPECT_EQ(EffectiveState(r, 1000, 0), RegistrationState::kRegistered);
  r.state = RegistrationState::kUnregistering;
  EXPECT_EQ(EffectiveState(r, 1499, 500), RegistrationState::kUnregistering);
  EXPECT_EQ(EffectiveState(r, 1500, 500), RegistrationState::kUnregistered);
  r.state = RegistrationState::kNotRegistered;
  EXPECT_EQ(EffectiveState(r, 99999, 0), RegistrationState::kNotRegistered);
}

TEST(RegistrationTest, StatesAndKindsHaveAzuresSpelling) {
  EXPECT_EQ(ToString(RegistrationState::kNotRegistered), "NotRegistered");
  EXPECT_EQ(ToString(RegistrationState::kRegistering), "Registering");
  EXPECT_EQ(ToString(RegistrationState::kRegistered), "Registered");
  EXPECT_EQ(ToString(RegistrationState::kUnregistering), "Unregistering");
  EXPECT_EQ(ToString(RegistrationState::kUnregistered), "Unregistered");
  EXPECT_EQ(ToString(RegistrationKind::kFeature), "Feature");
}

TEST(ProviderCatalogTest, LookupsIgnoreCasingAndReturnTheCanonicalName) {
  Result<const ProviderInfo*> p = FindProvider("microsoft.compute");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name, "Microsoft.Compute");
  EXPECT_TRUE((*p)->registration_required);
  Result<const FeatureInfo*> f = FindFeature("MICROSOFT.COMPUTE", "gallerypreview");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->FullName(), "Microsoft.Compute/GalleryPreview");
}

TEST(ProviderCatalogTest, ComputeListsTheGalleryTypes) {
  const ProviderInfo* p = *FindProvider("Microsoft.Compute");
  std::vector<std::string> types;
  for (const ProviderResourceType& t : p->types) {
    types.emplace_back(t.type);
  }
  for (const char* want : {"galleries", "galleries/images", "galleries/images/versions", "images",
                           "locations", "locations/usages"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), want), types.end()) << want;
  }
}

TEST(ProviderCatalogTest, UnknownNamesAreAzuresErrors) {
  Result<const ProviderInfo*> p = FindProvider("Contoso.Widgets");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(p.status().reason(), "InvalidResourceNamespace");
  EXPECT_EQ(p.status().message(), "The resource namespace 'Contoso.Widgets' is invalid.");
  Result<const FeatureInfo*> f = FindFeature("Microsoft.Compute", "NoSuchFeature");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().reason(), "FeatureNotFound");
  EXPECT_EQ(f.status().message(), "The feature 'NoSuchFeature' could not be found.");
  EXPECT_EQ(FindFeature("Contoso.Widgets", "GalleryPreview").status().reason(),
            "InvalidResourceNamespace");
}

}  // namespace
}  // namespace gallery::domain
