#include "access/grant_owner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "access/authorizer.h"
#include "domain/role_definition.h"
#include "metadata/sqlite_store.h"
#include "metadata/test_store.h"

namespace gallery::access {
namespace {

namespace fs = std::filesystem;

constexpr char kSub[] = "00000000-0000-0000-0000-00000000000a";
constexpr char kOid[] = "a11ce000-0000-0000-0000-000000000001";

class GrantOwnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = metadata::test_support::FreshTestDir("gallery-grant-owner-test");
    ASSERT_NO_FATAL_FAILURE(metadata::test_support::OpenTestStore(dir_, store_));
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutTenant({"t1", "T1", 1}).ok());
    ASSERT_TRUE((*tx)->PutTenant({"t2", "T2", 1}).ok());
    ASSERT_TRUE((*tx)->PutSubscription({kSub, "t1", "S", "Enabled", 1}).ok());
    ASSERT_TRUE((*tx)->PutSubscription({"other", "t2", "S2", "Enabled", 1}).ok());
    domain::Principal p;
    p.object_id = kOid;
    p.tenant_id = "t1";
    p.kind = domain::PrincipalKind::kServicePrincipal;
    ASSERT_TRUE((*tx)->PutPrincipal(p).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  Status Grant(const ResourceId& scope, const std::string& oid) {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    if (!tx.ok()) {
      return tx.status();
    }
    GALLERY_RETURN_IF_ERROR(GrantOwner(**tx, scope, oid, 42));
    return (*tx)->Commit();
  }
  std::vector<domain::RoleAssignment> All() {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto all = (*tx)->ListRoleAssignments({});
    EXPECT_TRUE(all.ok());
    return *all;
  }

  fs::path dir_;
  std::unique_ptr<metadata::MetadataStore> store_;
};

TEST_F(GrantOwnerTest, MakesThePrincipalOwnerOnceAndTheAuthorizerSeesIt) {
  const ResourceId sub = ResourceId::ForSubscription(kSub);
  ASSERT_TRUE(Grant(sub, kOid).ok());
  ASSERT_TRUE(Grant(sub, "A11CE000-0000-0000-0000-000000000001").ok());  // idempotent
  std::vector<domain::RoleAssignment> all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, OwnerAssignmentName(sub, kOid));
  EXPECT_TRUE(domain::IsGuid(all[0].name));
  EXPECT_EQ(all[0].role_definition_name, domain::kOwnerRoleName);
  EXPECT_EQ(all[0].principal_type, domain::PrincipalKind::kServicePrincipal);
  EXPECT_EQ(all[0].created_on, 42);
  Authorizer authz(*store_);
  domain::Caller caller{"t1", kOid, "sp", domain::PrincipalKind::kServicePrincipal, {}};
  auto ok = authz.Check(caller, "Microsoft.Authorization/roleAssignments/write",
                        ResourceId::ForResourceGroup(kSub, "rg1"));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
}

TEST_F(GrantOwnerTest, RefusesUnknownPrincipalsAndOtherTenants) {
  EXPECT_EQ(Grant(ResourceId::ForSubscription(kSub), "nobody").reason(), "PrincipalNotFound");
  EXPECT_EQ(Grant(ResourceId::ForSubscription("other"), kOid).reason(), "PrincipalInAnotherTenant");
  EXPECT_EQ(Grant(ResourceId::ForSubscription("missing"), kOid).reason(),
            "PrincipalInAnotherTenant");
  EXPECT_TRUE(All().empty());
}

TEST(OwnerAssignmentNameTest, DependsOnScopeAndPrincipalButNotTheirCasing) {
  const ResourceId a = ResourceId::ForSubscription("sub-a");
  EXPECT_EQ(OwnerAssignmentName(a, "p1"),
            OwnerAssignmentName(ResourceId::ForSubscription("SUB-A"), "P1"));
  EXPECT_NE(OwnerAssignmentName(a, "p1"), OwnerAssignmentName(a, "p2"));
  EXPECT_NE(OwnerAssignmentName(a, "p1"),
            OwnerAssignmentName(ResourceId::ForSubscription("sub-b"), "p1"));
  EXPECT_EQ(OwnerAssignmentName(a, "p1")[14], '5');
}

}  // namespace
}  // namespace gallery::access
