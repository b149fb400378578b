// The role tables of the SQLite store: assignments and custom definitions round-trip, queries
// select by principal and by scope (segment-wise), cascades, and the role generation.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "metadata/sqlite_store.h"
#include "metadata/test_store.h"

namespace gallery::metadata {
namespace {

namespace fs = std::filesystem;

constexpr char kSub[] = "00000000-0000-0000-0000-00000000000a";

ResourceId Gallery(const std::string& name) {
  return ResourceId::ForResource(kSub, "rg1", "Microsoft.Compute", {{"galleries", name}});
}

domain::RoleAssignment Assignment(const std::string& name, const ResourceId& scope,
                                  const std::string& principal) {
  domain::RoleAssignment a;
  a.name = name;
  a.scope = scope;
  a.role_definition_name = domain::kReaderRoleName;
  a.principal_id = principal;
  a.principal_type = domain::PrincipalKind::kGroup;
  a.description = "d";
  a.created_on = 1;
  a.updated_on = 2;
  a.created_by = "c";
  a.updated_by = "u";
  return a;
}

class SqliteRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("gallery-roles-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenTestStore(dir_, store_));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::unique_ptr<Transaction> Write() {
    auto tx = store_->Begin(TxMode::kWrite);
    EXPECT_TRUE(tx.ok());
    return std::move(*tx);
  }
  std::vector<std::string> Names(const RoleAssignmentQuery& q) {
    auto tx = store_->Begin(TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto list = (*tx)->ListRoleAssignments(q);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    std::vector<std::string> out;
    for (const auto& a : *list) {
      out.push_back(a.name);
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(SqliteRolesTest, AssignmentsRoundTripAndQueriesSelectByPrincipalAndScope) {
  auto tx = Write();
  ASSERT_TRUE(tx->PutRoleAssignment(Assignment("a1", Gallery("g1"), "P1")).ok());
  ASSERT_TRUE(tx->PutRoleAssignment(Assignment("a2", Gallery("g10"), "p1")).ok());
  ASSERT_TRUE(
      tx->PutRoleAssignment(Assignment("a3", Gallery("G1").Child("images", "d1"), "p2")).ok());
  ASSERT_TRUE(
      tx->PutRoleAssignment(Assignment("a4", ResourceId::ForSubscription(kSub), "p2")).ok());
  ASSERT_TRUE(tx->Commit().ok());

  auto read = store_->Begin(TxMode::kRead);
  ASSERT_TRUE(read.ok());
  auto a1 = (*read)->GetRoleAssignment("A1");
  ASSERT_TRUE(a1.ok() && a1->has_value());
  const domain::RoleAssignment& got = **a1;
  EXPECT_EQ(got.scope, Gallery("g1"));
  EXPECT_EQ(got.scope.ToString(), Gallery("g1").ToString());  // casing kept
  EXPECT_EQ(got.principal_id, "p1");
  EXPECT_EQ(got.principal_type, domain::PrincipalKind::kGroup);
  EXPECT_EQ(got.role_definition_name, domain::kReaderRoleName);
  EXPECT_EQ(got.description, "d");
  EXPECT_EQ(got.created_on, 1);
  EXPECT_EQ(got.updated_on, 2);
  EXPECT_EQ(got.created_by, "c");
  EXPECT_EQ(got.updated_by, "u");
  read->reset();

  EXPECT_EQ(Names({}), (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(Names({.principal_id = "P1"}), (std::vector<std::string>{"a1", "a2"}));
  // Within g1: g1 itself and its definition, never the sibling g10.
  EXPECT_EQ(Names({.within = Gallery("G1")}), (std::vector<std::string>{"a1", "a3"}));
  EXPECT_EQ(Names({.principal_id = "p2", .within = Gallery("g1")}),
            (std::vector<std::string>{"a3"}));
  EXPECT_EQ(Names({.within = ResourceId::ForResourceGroup(kSub, "rg1")}),
            (std::vector<std::string>{"a1", "a2", "a3"}));
}

TEST_F(SqliteRolesTest, DeletesAreByNameOrBySubtree) {
  auto tx = Write();
  ASSERT_TRUE(tx->PutRoleAssignment(Assignment("a1", Gallery("g1"), "p1")).ok());
  ASSERT_TRUE(tx->PutRoleAssignment(Assignment("a2", Gallery("g10"), "p1")).ok());
  ASSERT_TRUE(
      tx->PutRoleAssignment(Assignment("a3", Gallery("g1").Child("images", "d1"), "p1")).ok());
  auto removed = tx->DeleteRoleAssignmentsWithin(Gallery("g1"));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(tx->DeleteRoleAssignment("A2").code(), StatusCode::kOk);
  EXPECT_EQ(tx->DeleteRoleAssignment("a2").code(), StatusCode::kNotFound);
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_TRUE(Names({}).empty());
}

TEST_F(SqliteRolesTest, CustomDefinitionsRoundTrip) {
  domain::RoleDefinition d;
  d.name = "55555555-0000-0000-0000-000000000005";
  d.tenant_id = "t1";
  d.role_name = "Publisher";
  d.description = "publishes";
  d.permissions = {{{"Microsoft.Compute/galleries/*"}, {"*/delete"}, {"x"}, {"y"}}};
  d.assignable_scopes = {"/subscriptions/" + std::string(kSub)};
  d.created_on = 3;
  d.updated_on = 4;
  d.created_by = "c";
  d.updated_by = "u";
  auto tx = Write();
  ASSERT_TRUE(tx->PutRoleDefinition(d).ok());
  ASSERT_TRUE(tx->Commit().ok());

  auto read = store_->Begin(TxMode::kRead);
  ASSERT_TRUE(read.ok());
  auto got = (*read)->GetRoleDefinition("55555555-0000-0000-0000-000000000005");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  EXPECT_EQ((*got)->tenant_id, "t1");
  EXPECT_EQ((*got)->role_name, "Publisher");
  EXPECT_EQ((*got)->description, "publishes");
  EXPECT_EQ((*got)->type, domain::RoleType::kCustom);
  ASSERT_EQ((*got)->permissions.size(), 1u);
  EXPECT_EQ((*got)->permissions[0].actions, d.permissions[0].actions);
  EXPECT_EQ((*got)->permissions[0].not_actions, d.permissions[0].not_actions);
  EXPECT_EQ((*got)->permissions[0].data_actions, d.permissions[0].data_actions);
  EXPECT_EQ((*got)->permissions[0].not_data_actions, d.permissions[0].not_data_actions);
  EXPECT_EQ((*got)->assignable_scopes, d.assignable_scopes);
  EXPECT_EQ((*got)->created_on, 3);
  EXPECT_EQ((*got)->updated_by, "u");
  auto all = (*read)->ListRoleDefinitions();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  read->reset();

  auto del = Write();
  EXPECT_TRUE(del->DeleteRoleDefinition(d.name).ok());
  EXPECT_EQ(del->DeleteRoleDefinition(d.name).code(), StatusCode::kNotFound);
  ASSERT_TRUE(del->Commit().ok());
}

TEST_F(SqliteRolesTest, TheRoleGenerationGrowsOnlyWithCommittedRoleChanges) {
  const uint64_t start = store_->RoleGeneration();
  {
    auto tx = Write();
    ASSERT_TRUE(tx->PutRoleAssignment(Assignment("a1", Gallery("g1"), "p1")).ok());
    // Rolled back: nothing changed.
  }
  EXPECT_EQ(store_->RoleGeneration(), start);
  {
    auto tx = Write();
    ASSERT_TRUE(tx->PutSetting("k", "v").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(store_->RoleGeneration(), start);
  {
    // A cascade that finds nothing, and a delete of a missing name, change nothing.
    auto tx = Write();
    ASSERT_TRUE(tx->DeleteRoleAssignmentsWithin(Gallery("g1")).ok());
    EXPECT_EQ(tx->DeleteRoleAssignment("absent").code(), StatusCode::kNotFound);
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(store_->RoleGeneration(), start);
  {
    auto tx = Write();
    ASSERT_TRUE(tx->PutRoleAssignment(Assignment("a1", Gallery("g1"), "p1")).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_GT(store_->RoleGeneration(), start);
  const uint64_t after_put = store_->RoleGeneration();
  {
    auto tx = Write();
    ASSERT_TRUE(tx->DeleteRoleAssignmentsWithin(Gallery("g1")).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_GT(store_->RoleGeneration(), after_put);
}

TEST_F(SqliteRolesTest, ReadTransactionsCannotWriteRoles) {
  auto tx = store_->Begin(TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ((*tx)->PutRoleAssignment(Assignment("a1", Gallery("g1"), "p1")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((*tx)->DeleteRoleAssignmentsWithin(Gallery("g1")).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gallery::metadata
