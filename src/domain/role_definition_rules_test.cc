#include "domain/role_definition_rules.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

constexpr TimestampMs kNow = 1735689600000;
constexpr char kName[] = "55555555-0000-0000-0000-000000000005";

class RoleDefinitionRulesTest : public ::testing::Test {
 protected:
  RoleDefinitionRulesTest() {
    in_.role_name = "Gallery Publisher";
    in_.type = "CustomRole";
    in_.permissions = {
        {{"Microsoft.Compute/galleries/*"}, {"Microsoft.Compute/galleries/delete"}, {}, {}}};
    in_.assignable_scopes = {"/subscriptions/sub1"};
  }
  Result<RoleDefinition> Make(const std::string& name = kName) {
    return NewRoleDefinition(name, in_, "tenant-a", others_, existing_, "creator", kNow);
  }
  void ExpectRefused(const std::string& reason, StatusCode code = StatusCode::kInvalidArgument) {
    Result<RoleDefinition> r = Make();
    ASSERT_FALSE(r.ok()) << "expected " << reason;
    EXPECT_EQ(r.status().reason(), reason) << r.status().ToString();
    EXPECT_EQ(r.status().code(), code);
  }

  RoleDefinitionInput in_;
  std::vector<RoleDefinition> others_;
  std::optional<RoleDefinition> existing_;
};

TEST_F(RoleDefinitionRulesTest, AValidCustomRoleAllowsWhatItsPermissionsSay) {
  Result<RoleDefinition> r = Make();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, RoleType::kCustom);
  EXPECT_EQ(r->tenant_id, "tenant-a");
  EXPECT_EQ(r->created_on, kNow);
  EXPECT_TRUE(Allows(*r, "Microsoft.Compute/galleries/images/write"));
  EXPECT_FALSE(Allows(*r, "Microsoft.Compute/galleries/delete"));
  EXPECT_FALSE(Allows(*r, "Microsoft.Compute/images/read"));
}

TEST_F(RoleDefinitionRulesTest, AReplacedRoleKeepsItsCreationStamp) {
  RoleDefinition old;
  old.name = kName;
  old.role_name = "Gallery Publisher";
  old.created_on = 1;
  old.created_by = "first";
  existing_ = old;
  others_.push_back(old);  // its own name is no conflict
  Result<RoleDefinition> r = Make();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created_on, 1);
  EXPECT_EQ(r->created_by, "first");
  EXPECT_EQ(r->updated_on, kNow);
  EXPECT_EQ(r->updated_by, "creator");
}

TEST_F(RoleDefinitionRulesTest, EveryRuleHasItsError) {
  {
    Result<RoleDefinition> r = Make("publisher");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), "InvalidRoleDefinitionId");
  }
  {
    Result<RoleDefinition> r = Make(kOwnerRoleName);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), "BuiltInRoleCannotBeModified");
  }
  RoleDefinitionInput good = in_;
  in_.role_name = "";
  ExpectRefused("InvalidParameter");
  in_ = good;
  in_.type = "BuiltInRole";
  ExpectRefused("InvalidParameter");
  in_ = good;
  in_.permissions = {{{}, {"*"}, {}, {}}};
  ExpectRefused("InvalidParameter");
  in_ = good;
  in_.permissions = {{{"*/read", ""}, {}, {}, {}}};
  ExpectRefused("InvalidParameter");
  in_ = good;
  in_.assignable_scopes = {};
  ExpectRefused("InvalidAssignableScope");
  in_ = good;
  in_.assignable_scopes = {"/"};
  ExpectRefused("InvalidAssignableScope");
  in_ = good;
  in_.role_name = "reader";  // a built-in role's name, in another casing
  ExpectRefused("RoleDefinitionWithSameNameExists", StatusCode::kAlreadyExists);
  in_ = good;
  RoleDefinition other;
  other.name = "66666666-0000-0000-0000-000000000006";
  other.role_name = "GALLERY PUBLISHER";
  others_.push_back(other);
  ExpectRefused("RoleDefinitionWithSameNameExists", StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace gallery::domain
