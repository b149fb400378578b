#include "domain/role_assignment_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

constexpr TimestampMs kNow = 1735689600000;
constexpr char kTenant[] = "tenant-a";
constexpr char kName[] = "11111111-0000-0000-0000-000000000001";
constexpr char kPrincipalId[] = "22222222-0000-0000-0000-000000000002";

class RoleAssignmentRulesTest : public ::testing::Test {
 protected:
  RoleAssignmentRulesTest() {
    principal_.object_id = kPrincipalId;
    principal_.tenant_id = kTenant;
    principal_.kind = PrincipalKind::kUser;
    facts_.scope_tenant_id = kTenant;
    facts_.principal = &principal_;
    facts_.role = FindBuiltInRole(kReaderRoleName);
    facts_.creator = "creator-oid";
    facts_.now = kNow;
    in_.role_definition_id = RoleDefinitionId("sub1", kReaderRoleName);
    in_.principal_id = kPrincipalId;
  }

  static ResourceId Gallery(const std::string& name = "gal1") {
    return ResourceId::ForResource("sub1", "rg1", "Microsoft.Compute", {{"galleries", name}});
  }

  Status Expect(const std::string& reason, StatusCode code = StatusCode::kInvalidArgument) {
    Result<RoleAssignment> r = NewRoleAssignment(Gallery(), kName, in_, facts_);
    EXPECT_FALSE(r.ok());
    if (r.ok()) {
      return Status::Ok();
    }
    EXPECT_EQ(r.status().reason(), reason) << r.status().ToString();
    EXPECT_EQ(r.status().code(), code);
    return r.status();
  }

  Principal principal_;
  RoleAssignmentFacts facts_;
  RoleAssignmentInput in_;
};

TEST_F(RoleAssignmentRulesTest, AValidRequestMakesTheAssignment) {
  in_.principal_type = "user";
  in_.description = "share with alice";
  Result<RoleAssignment> r = NewRoleAssignment(Gallery(), kName, in_, facts_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, kName);
  EXPECT_EQ(r->scope, Gallery());
  EXPECT_EQ(r->role_definition_name, kReaderRoleName);
  EXPECT_EQ(r->principal_id, kPrincipalId);
  EXPECT_EQ(r->principal_type, PrincipalKind::kUser);
  EXPECT_EQ(r->description, "share with alice");
  EXPECT_EQ(r->created_on, kNow);
  EXPECT_EQ(r->created_by, "creator-oid");
  EXPECT_EQ(RoleAssignmentId(*r),
            Gallery().ToString() + "/providers/Microsoft.Authorization/roleAssignments/" + kName);
}

TEST_F(RoleAssignmentRulesTest, TheNameMustBeAGuid) {
  Result<RoleAssignment> r = NewRoleAssignment(Gallery(), "reader-for-alice", in_, facts_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "InvalidRoleAssignmentId");
}

TEST_F(RoleAssignmentRulesTest, TheRoleDefinitionIdIsRequiredAndWellFormed) {
  in_.role_definition_id = "";
  EXPECT_EQ(Expect("InvalidParameter").target(), "properties.roleDefinitionId");
  in_.role_definition_id = "Reader";
  EXPECT_EQ(Expect("InvalidParameter").target(), "properties.roleDefinitionId");
}

TEST_F(RoleAssignmentRulesTest, ThePrincipalIdMustBeAGuid) {
  in_.principal_id = "";
  EXPECT_EQ(Expect("InvalidParameter").target(), "properties.principalId");
  in_.principal_id = "alice@contoso.example";
  EXPECT_EQ(Expect("InvalidParameter").target(), "properties.principalId");
}

TEST_F(RoleAssignmentRulesTest, AnUnknownRoleIsRefused) {
  facts_.role = nullptr;
  EXPECT_THAT(Expect("RoleDefinitionDoesNotExist").message(), HasSubstr("does not exist"));
}

TEST_F(RoleAssignmentRulesTest, ACustomRoleIsAssignableOnlyInsideItsAssignableScopes) {
  RoleDefinition custom;
  custom.name = "33333333-0000-0000-0000-000000000003";
  custom.role_name = "Gallery sharer";
  custom.permissions = {{{"*/read"}, {}, {}, {}}};
  custom.assignable_scopes = {
      "/subscriptions/SUB1/resourceGroups/RG1/providers/"
      "Microsoft.Compute/galleries/gal10"};
  facts_.role = &custom;
  // gal1 is not below gal10, although its key is a prefix of it.
  EXPECT_THAT(Expect("RoleDefinitionNotAssignableAtScope").message(), HasSubstr("gal1"));
  custom.assignable_scopes.push_back("/subscriptions/sub1/resourceGroups/rg1");
  EXPECT_TRUE(NewRoleAssignment(Gallery(), kName, in_, facts_).ok());
  EXPECT_TRUE(AssignableAt({"/"}, Gallery()));
  EXPECT_FALSE(AssignableAt({}, Gallery()));
  EXPECT_FALSE(AssignableAt({"not an id"}, Gallery()));
}

TEST_F(RoleAssignmentRulesTest, AnUnknownPrincipalIsPrincipalNotFound) {
  facts_.principal = nullptr;
  EXPECT_THAT(Expect("PrincipalNotFound").message(), HasSubstr(kPrincipalId));
}

TEST_F(RoleAssignmentRulesTest, APrincipalOfAnotherTenantIsRefusedSharingNeverCrossesTenants) {
  principal_.tenant_id = "tenant-b";
  EXPECT_THAT(Expect("PrincipalInAnotherTenant").message(),
              HasSubstr("Sharing never crosses tenants"));
}

TEST_F(RoleAssignmentRulesTest, APrincipalTypeThatIsNotThePrincipalsKindIsRefused) {
  in_.principal_type = "ServicePrincipal";
  EXPECT_THAT(Expect("UnmatchedPrincipalType").message(), HasSubstr("'User'"));
  in_.principal_type = "Device";
  EXPECT_THAT(Expect("UnmatchedPrincipalType").message(), HasSubstr("'Device'"));
  in_.principal_type = "USER";
  EXPECT_TRUE(NewRoleAssignment(Gallery(), kName, in_, facts_).ok());
}

TEST_F(RoleAssignmentRulesTest, TheSameGrantUnderAnotherNameIsRoleAssignmentExists) {
  Result<RoleAssignment> first = NewRoleAssignment(Gallery(), kName, in_, facts_);
  ASSERT_TRUE(first.ok());
  facts_.principal_assignments.push_back(*first);
  Result<RoleAssignment> second =
      NewRoleAssignment(Gallery(), "11111111-0000-0000-0000-000000000009", in_, facts_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(second.status().reason(), "RoleAssignmentExists");
  // The same name again is not a duplicate (the service treats it as a repeated PUT); another
  // role, or the same role at another scope, is a new grant.
  EXPECT_TRUE(NewRoleAssignment(Gallery(), kName, in_, facts_).ok());
  facts_.role = FindBuiltInRole(kContributorRoleName);
  EXPECT_TRUE(
      NewRoleAssignment(Gallery(), "11111111-0000-0000-0000-000000000009", in_, facts_).ok());
  facts_.role = FindBuiltInRole(kReaderRoleName);
  EXPECT_TRUE(
      NewRoleAssignment(Gallery("gal2"), "11111111-0000-0000-0000-000000000009", in_, facts_).ok());
}

TEST_F(RoleAssignmentRulesTest, ARepeatedPutMustNotChangeTheGrant) {
  Result<RoleAssignment> existing = NewRoleAssignment(Gallery(), kName, in_, facts_);
  ASSERT_TRUE(existing.ok());
  RoleAssignment same = *existing;
  same.scope = ResourceId::ForResource("SUB1", "RG1", "microsoft.compute", {{"GALLERIES", "GAL1"}});
  EXPECT_TRUE(CheckUnchanged(*existing, same).ok());
  RoleAssignment other_role = *existing;
  other_role.role_definition_name = kOwnerRoleName;
  EXPECT_EQ(CheckUnchanged(*existing, other_role).reason(), "RoleAssignmentUpdateNotPermitted");
  RoleAssignment other_scope = *existing;
  other_scope.scope = Gallery("gal2");
  EXPECT_EQ(CheckUnchanged(*existing, other_scope).reason(), "RoleAssignmentUpdateNotPermitted");
  RoleAssignment other_principal = *existing;
  other_principal.principal_id = "44444444-0000-0000-0000-000000000004";
  EXPECT_EQ(CheckUnchanged(*existing, other_principal).reason(),
            "RoleAssignmentUpdateNotPermitted");
}

TEST(PrincipalTypeTest, NamesRoundTripCaseInsensitively) {
  for (PrincipalKind kind :
       {PrincipalKind::kUser, PrincipalKind::kServicePrincipal, PrincipalKind::kGroup}) {
    EXPECT_EQ(ParsePrincipalType(PrincipalTypeName(kind)), kind);
  }
  EXPECT_EQ(ParsePrincipalType("serviceprincipal"), PrincipalKind::kServicePrincipal);
  EXPECT_EQ(ParsePrincipalType("ForeignGroup"), std::nullopt);
}

}  // namespace
}  // namespace gallery::domain
