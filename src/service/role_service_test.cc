// RoleService over a real SQLite store: $filter parsing, custom role definitions, and the
// errors the routes do not reach through the rules.

#include "service/role_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "metadata/sqlite_store.h"
#include "service/test_store.h"
#include "service/bootstrap.h"

namespace gallery::service {
namespace {

TEST(RoleAssignmentFilterTest, ParsesEveryFormAzureClientsSend) {
  auto none = ParseRoleAssignmentFilter("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->at_scope);
  EXPECT_TRUE(none->principal_id.empty());
  auto at = ParseRoleAssignmentFilter("atScope()");
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->at_scope);
  auto principal = ParseRoleAssignmentFilter("principalId eq 'abc'");
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->principal_id, "abc");
  EXPECT_FALSE(principal->assigned_to);
  auto assigned = ParseRoleAssignmentFilter("atScope() and assignedTo('xyz')");
  ASSERT_TRUE(assigned.ok());
  EXPECT_TRUE(assigned->at_scope);
  EXPECT_TRUE(assigned->assigned_to);
  EXPECT_EQ(assigned->principal_id, "xyz");
  auto reversed = ParseRoleAssignmentFilter("PrincipalID EQ 'abc' AND ATSCOPE()");
  ASSERT_TRUE(reversed.ok());
  EXPECT_TRUE(reversed->at_scope);
  EXPECT_EQ(reversed->principal_id, "abc");
}

TEST(RoleAssignmentFilterTest, RefusesAnythingElse) {
  for (const char* bad :
       {"roleName eq 'Reader'", "atScope() and atScope()", "principalId eq abc",
        "principalId eq 'a'b'", "assignedTo('a'", "atScope() and",
        "principalId eq 'a' and assignedTo('b')", "atScope() or principalId eq 'a'"}) {
    auto r = ParseRoleAssignmentFilter(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "InvalidFilter") << bad;
    EXPECT_EQ(r.status().target(), "$filter");
  }
}

class RoleServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("gallery-role-service-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    ctx_.caller = {
        boot_.tenant_id, boot_.object_id, "admin", domain::PrincipalKind::kServicePrincipal, {}};
    authz_ = std::make_unique<access::Authorizer>(*store_);
    roles_ = std::make_unique<RoleService>(*store_, *authz_, clock_);
  }
  void TearDown() override {
    roles_.reset();
    authz_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ResourceId Sub() const { return ResourceId::ForSubscription(boot_.subscription_id); }
  domain::RoleDefinitionInput Custom(const std::string& name) const {
    domain::RoleDefinitionInput in;
    in.role_name = name;
    in.permissions = {{{"*/read"}, {}, {}, {}}};
    in.assignable_scopes = {Sub().ToString()};
    return in;
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'800'000'000'000};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  BootstrapIdentity boot_;
  RequestContext ctx_;
  std::unique_ptr<access::Authorizer> authz_;
  std::unique_ptr<RoleService> roles_;
};

constexpr char kRole[] = "7d1f0000-0000-4000-8000-000000000001";

TEST_F(RoleServiceTest, CustomRolesAreWrittenReadListedAndDeleted) {
  auto made = roles_->PutRoleDefinition(ctx_, Sub(), kRole, Custom("Auditor"));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_TRUE(made->created);
  auto again = roles_->PutRoleDefinition(ctx_, Sub(), kRole, Custom("Auditor"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  auto found = roles_->GetRoleDefinition(ctx_, Sub(), kRole);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->role_name, "Auditor");
  auto listed = roles_->ListRoleDefinitions(ctx_, Sub(), "auditor");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, kRole);
  EXPECT_EQ(roles_->ListRoleDefinitions(ctx_, Sub(), "")->size(), 4u);
  // Same name under another id.
  EXPECT_EQ(roles_
                ->PutRoleDefinition(ctx_, Sub(), "7d1f0000-0000-4000-8000-000000000002",
                                    Custom("AUDITOR"))
                .status()
                .reason(),
            "RoleDefinitionWithSameNameExists");
  auto deleted = roles_->DeleteRoleDefinition(ctx_, Sub(), kRole);
  ASSERT_TRUE(deleted.ok());
  ASSERT_TRUE(deleted->has_value());
  auto absent = roles_->DeleteRoleDefinition(ctx_, Sub(), kRole);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_EQ(roles_->GetRoleDefinition(ctx_, Sub(), kRole).status().reason(),
            "RoleDefinitionDoesNotExist");
  EXPECT_EQ(roles_->DeleteRoleDefinition(ctx_, Sub(), domain::kReaderRoleName).status().reason(),
            "BuiltInRoleCannotBeModified");
}

TEST_F(RoleServiceTest, AssignableScopesMustExistInTheTenant) {
  domain::RoleDefinitionInput in = Custom("Somewhere");
  in.assignable_scopes = {Sub().ToString() + "/resourceGroups/missing"};
  EXPECT_EQ(roles_->PutRoleDefinition(ctx_, Sub(), kRole, in).status().reason(),
            "ResourceGroupNotFound");
  in.assignable_scopes = {"/subscriptions/00000000-0000-4000-8000-00000000abcd"};
  EXPECT_EQ(roles_->PutRoleDefinition(ctx_, Sub(), kRole, in).status().reason(),
            "SubscriptionNotFound");
}

TEST_F(RoleServiceTest, AnotherTenantsRolesDoNotExistHere) {
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    domain::RoleDefinition foreign;
    foreign.name = kRole;
    foreign.tenant_id = "other-tenant";
    foreign.role_name = "Theirs";
    foreign.permissions = {{{"*"}, {}, {}, {}}};
    foreign.assignable_scopes = {"/subscriptions/theirs"};
    ASSERT_TRUE((*tx)->PutRoleDefinition(foreign).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_EQ(roles_->GetRoleDefinition(ctx_, Sub(), kRole).status().reason(),
            "RoleDefinitionDoesNotExist");
  EXPECT_EQ(roles_->PutRoleDefinition(ctx_, Sub(), kRole, Custom("Mine")).status().reason(),
            "RoleDefinitionIdAlreadyUsed");
  domain::RoleAssignmentInput in;
  in.role_definition_id = kRole;
  in.principal_id = boot_.object_id;
  EXPECT_EQ(roles_->PutRoleAssignment(ctx_, Sub(), "7d1f0000-0000-4000-8000-00000000000a", in)
                .status()
                .reason(),
            "RoleDefinitionDoesNotExist");
}

TEST_F(RoleServiceTest, AnAssignmentIsFoundOnlyAtItsOwnScope) {
  auto owner = roles_->ListRoleAssignments(ctx_, Sub(), RoleAssignmentFilter{true, "", false});
  ASSERT_TRUE(owner.ok());
  ASSERT_EQ(owner->size(), 1u);
  const std::string name = (*owner)[0].name;
  EXPECT_TRUE(roles_->GetRoleAssignment(ctx_, Sub(), name).ok());
  EXPECT_EQ(
      roles_
          ->GetRoleAssignment(ctx_, ResourceId::ForResourceGroup(boot_.subscription_id, "rg"), name)
          .status()
          .reason(),
      "ResourceGroupNotFound");
  EXPECT_EQ(roles_->GetRoleAssignment(ctx_, Sub(), "7d1f0000-0000-4000-8000-00000000000b")
                .status()
                .reason(),
            "RoleAssignmentNotFound");
}

TEST_F(RoleServiceTest, BootstrapMakesTheAdministratorOwnerOnceEvenAfterAnUpgrade) {
  auto owners = [&] {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    auto held = (*tx)->ListRoleAssignments({.principal_id = boot_.object_id});
    EXPECT_TRUE(held.ok());
    return held.ok() ? held->size() : 0u;
  };
  ASSERT_EQ(owners(), 1u);
  // The administrator removes its own grant: a restart does not bring it back.
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->DeleteRoleAssignmentsWithin(Sub()).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_TRUE(EnsureBootstrap(*store_, clock_, *random_).ok());
  EXPECT_EQ(owners(), 0u);
  // A store bootstrapped before role assignments existed (no ownerGranted in its record) gets
  // the grant at its next start.
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    nlohmann::json old = {{"tenantId", boot_.tenant_id},
                          {"subscriptionId", boot_.subscription_id},
                          {"clientId", boot_.client_id},
                          {"objectId", boot_.object_id}};
    ASSERT_TRUE((*tx)->PutSetting("bootstrap", old.dump()).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto again = EnsureBootstrap(*store_, clock_, *random_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->object_id, boot_.object_id);
  EXPECT_EQ(owners(), 1u);
}

}  // namespace
}  // namespace gallery::service
