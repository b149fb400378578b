#include "domain/role_definition.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

TEST(RoleDefinitionTest, BuiltInRolesCarryAzureIdsAndNames) {
  ASSERT_EQ(BuiltInRoles().size(), 3u);
  const RoleDefinition* owner = FindBuiltInRole("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635");
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->role_name, "Owner");
  EXPECT_EQ(owner->type, RoleType::kBuiltIn);
  EXPECT_EQ(FindBuiltInRole(kContributorRoleName)->role_name, "Contributor");
  EXPECT_EQ(FindBuiltInRole(kReaderRoleName)->role_name, "Reader");
  EXPECT_EQ(FindBuiltInRole("00000000-0000-0000-0000-000000000000"), nullptr);
}

TEST(RoleDefinitionTest, OwnerAllowsEverything) {
  const RoleDefinition& owner = *FindBuiltInRole(kOwnerRoleName);
  EXPECT_TRUE(Allows(owner, "Microsoft.Compute/galleries/write"));
  EXPECT_TRUE(Allows(owner, "Microsoft.Authorization/roleAssignments/write"));
  EXPECT_TRUE(Allows(owner, "Microsoft.Authorization/elevateAccess/Action"));
}

TEST(RoleDefinitionTest, ContributorManagesResourcesButNotAccess) {
  const RoleDefinition& contributor = *FindBuiltInRole(kContributorRoleName);
  EXPECT_TRUE(Allows(contributor, "Microsoft.Compute/galleries/images/versions/delete"));
  EXPECT_TRUE(Allows(contributor, "Microsoft.Authorization/roleAssignments/read"));
  EXPECT_FALSE(Allows(contributor, "Microsoft.Authorization/roleAssignments/write"));
  EXPECT_FALSE(Allows(contributor, "Microsoft.Authorization/roleAssignments/delete"));
  EXPECT_FALSE(Allows(contributor, "Microsoft.Authorization/roleDefinitions/write"));
  EXPECT_FALSE(Allows(contributor, "Microsoft.Authorization/elevateAccess/action"));
}

TEST(RoleDefinitionTest, ReaderOnlyReads) {
  const RoleDefinition& reader = *FindBuiltInRole(kReaderRoleName);
  EXPECT_TRUE(Allows(reader, "Microsoft.Compute/galleries/read"));
  EXPECT_TRUE(Allows(reader, "Microsoft.Authorization/roleAssignments/read"));
  EXPECT_FALSE(Allows(reader, "Microsoft.Compute/galleries/write"));
  EXPECT_FALSE(Allows(reader, "Microsoft.Compute/galleries/delete"));
}

TEST(RoleDefinitionTest, NotActionsApplyOnlyWithinTheirOwnPermissionBlock) {
  RoleDefinition role;
  role.permissions = {{{"Microsoft.Compute/*"}, {"Microsoft.Compute/*/delete"}, {}, {}},
                      {{"Microsoft.Compute/galleries/delete"}, {}, {}, {}}};
  EXPECT_TRUE(Allows(role, "Microsoft.Compute/galleries/write"));
  EXPECT_FALSE(Allows(role, "Microsoft.Compute/images/delete"));
  // The second block grants what the first block's notActions exclude.
  EXPECT_TRUE(Allows(role, "Microsoft.Compute/galleries/delete"));
  EXPECT_FALSE(Allows(RoleDefinition{}, "Microsoft.Compute/galleries/read"));
}

TEST(RoleDefinitionTest, IsGuidChecksShapeAndHexDigits) {
  EXPECT_TRUE(IsGuid("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
  EXPECT_TRUE(IsGuid("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"));
  EXPECT_FALSE(IsGuid("8e3af657a8ff443ca75c2fe8c4bcb635"));
  EXPECT_FALSE(IsGuid("8e3af657-a8ff-443c-a75c-2fe8c4bcb63g"));
  EXPECT_FALSE(IsGuid("8e3af657-a8ff-443c-a75c-2fe8c4bcb6355"));
  EXPECT_FALSE(IsGuid(""));
}

TEST(RoleDefinitionTest, DefinitionIdsParseInEveryFormArmAccepts) {
  const std::string guid = kReaderRoleName;
  EXPECT_EQ(RoleDefinitionId("s1", guid),
            "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/" + guid);
  EXPECT_EQ(RoleDefinitionId("", guid),
            "/providers/Microsoft.Authorization/roleDefinitions/" + guid);
  EXPECT_EQ(RoleDefinitionNameFromId(RoleDefinitionId("s1", guid)), guid);
  EXPECT_EQ(RoleDefinitionNameFromId(RoleDefinitionId("", guid)), guid);
  EXPECT_EQ(RoleDefinitionNameFromId(guid), guid);
  EXPECT_EQ(RoleDefinitionNameFromId("/subscriptions/s1/resourceGroups/rg/providers/"
                                     "microsoft.authorization/ROLEDEFINITIONS/" +
                                     guid),
            guid);
  EXPECT_EQ(RoleDefinitionNameFromId("/subscriptions/s1/providers/Microsoft.Authorization/"
                                     "roleDefinitions/not-a-guid"),
            std::nullopt);
  EXPECT_EQ(RoleDefinitionNameFromId("/nonsense/providers/Microsoft.Authorization/"
                                     "roleDefinitions/" +
                                     guid),
            std::nullopt);
  EXPECT_EQ(RoleDefinitionNameFromId("Reader"), std::nullopt);
}

}  // namespace
}  // namespace gallery::domain
