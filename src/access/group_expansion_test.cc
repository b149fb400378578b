#include "access/group_expansion.h"

#include <gtest/gtest.h>

#include "access/test_directory.h"

namespace gallery::access {
namespace {

using Strings = std::vector<std::string>;

class GroupExpansionTest : public testing::DirectoryFixture {
 protected:
  Strings Groups(const std::string& id) {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    Result<Strings> groups = TransitiveGroups(**tx, id);
    EXPECT_TRUE(groups.ok()) << groups.status().ToString();
    return groups.ok() ? *groups : Strings{};
  }
};

TEST_F(GroupExpansionTest, NoMembershipsGiveNoGroups) {
  EXPECT_EQ(Groups(testing::kUserObject), Strings{});
}

TEST_F(GroupExpansionTest, DirectAndNestedGroupsAreIncludedSorted) {
  for (const char* g : {"g-b", "g-a", "g-c", "g-unrelated"}) {
    AddGroup(g);
  }
  AddMember("g-b", testing::kUserObject);
  AddMember("g-a", "g-b");  // g-b is nested in g-a
  AddMember("g-c", "g-a");  // and g-a in g-c
  EXPECT_EQ(Groups(testing::kUserObject), (Strings{"g-a", "g-b", "g-c"}));
  EXPECT_EQ(Groups("g-b"), (Strings{"g-a", "g-c"}));
}

TEST_F(GroupExpansionTest, CyclesEndAndNeverListThePrincipalItself) {
  AddGroup("g1");
  AddGroup("g2");
  AddGroup("g3");
  AddMember("g1", testing::kSpObject);
  AddMember("g2", "g1");
  AddMember("g3", "g2");
  AddMember("g1", "g3");  // g1 -> g2 -> g3 -> g1
  EXPECT_EQ(Groups(testing::kSpObject), (Strings{"g1", "g2", "g3"}));
  EXPECT_EQ(Groups("g1"), (Strings{"g2", "g3"}));
}

TEST_F(GroupExpansionTest, DiamondListsEachGroupOnce) {
  for (const char* g : {"top", "left", "right"}) {
    AddGroup(g);
  }
  AddMember("left", testing::kUserObject);
  AddMember("right", testing::kUserObject);
  AddMember("top", "left");
  AddMember("top", "right");
  EXPECT_EQ(Groups(testing::kUserObject), (Strings{"left", "right", "top"}));
}

TEST_F(GroupExpansionTest, RemovedMembershipIsNoLongerExpanded) {
  AddGroup("g1");
  AddGroup("g2");
  AddMember("g1", testing::kUserObject);
  AddMember("g2", "g1");
  RemoveMember("g1", testing::kUserObject);
  EXPECT_EQ(Groups(testing::kUserObject), Strings{});
}

}  // namespace
}  // namespace gallery::access
