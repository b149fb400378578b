// The directory part of the SQLite store: users by UPN, principals per tenant, the directory
// admin flag, deletion, and group membership edges.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>

#include "metadata/sqlite_store.h"
#include "metadata/test_store.h"

namespace gallery::metadata {
namespace {

namespace fs = std::filesystem;
using domain::Principal;
using domain::PrincipalKind;

class SqliteDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("gallery-dir-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenTestStore(dir_, store_));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::unique_ptr<Transaction> Begin(TxMode mode) {
    auto tx = store_->Begin(mode);
    EXPECT_TRUE(tx.ok()) << tx.status().ToString();
    return tx.ok() ? std::move(*tx) : nullptr;
  }
  void Put(const std::vector<Principal>& principals,
           const std::vector<std::pair<std::string, std::string>>& edges = {}) {
    auto tx = Begin(TxMode::kWrite);
    for (const Principal& p : principals) {
      ASSERT_TRUE(tx->PutPrincipal(p).ok());
    }
    for (const auto& [group, member] : edges) {
      ASSERT_TRUE(tx->AddGroupMember(group, member).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }

  fs::path dir_;
  std::unique_ptr<MetadataStore> store_;
};

Principal User(const std::string& id, const std::string& upn, const std::string& tenant = "t1") {
  return {.object_id = id,
          .tenant_id = tenant,
          .kind = PrincipalKind::kUser,
          .display_name = upn,
          .user_principal_name = upn};
}
Principal Group(const std::string& id, const std::string& tenant = "t1") {
  return {.object_id = id, .tenant_id = tenant, .kind = PrincipalKind::kGroup, .display_name = id};
}

TEST_F(SqliteDirectoryTest, UsersAreFoundByUpnCaseInsensitively) {
  Put({User("u1", "Alice@Contoso.example")});
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<Principal>> found = tx->FindUserByUpn("alice@contoso.EXAMPLE");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->object_id, "u1");
  EXPECT_EQ((*found)->user_principal_name, "Alice@Contoso.example");
  EXPECT_FALSE(tx->FindUserByUpn("bob@contoso.example")->has_value());
  EXPECT_FALSE(tx->FindUserByUpn("")->has_value());
}

TEST_F(SqliteDirectoryTest, TwoUsersWithOneUpnIsInternal) {
  auto tx = Begin(TxMode::kWrite);
  ASSERT_TRUE(tx->PutPrincipal(User("u1", "alice@x")).ok());
  Status s = tx->PutPrincipal(User("u2", "ALICE@x"));
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
}

TEST_F(SqliteDirectoryTest, DirectoryAdminFlagRoundTrips) {
  Principal admin = User("u1", "admin@x");
  admin.directory_admin = true;
  Put({admin, User("u2", "user@x")});
  auto tx = Begin(TxMode::kRead);
  EXPECT_TRUE((*tx->GetPrincipal("u1"))->directory_admin);
  EXPECT_FALSE((*tx->GetPrincipal("u2"))->directory_admin);
}

TEST_F(SqliteDirectoryTest, ListPrincipalsIsPerTenantAndKindInObjectIdOrder) {
  Put({User("u2", "b@x"), User("u1", "a@x"), User("u3", "c@y", "t2"), Group("g1")});
  auto tx = Begin(TxMode::kRead);
  Result<std::vector<Principal>> users = tx->ListPrincipals("t1", PrincipalKind::kUser);
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].object_id, "u1");
  EXPECT_EQ((*users)[1].object_id, "u2");
  EXPECT_EQ(tx->ListPrincipals("t1", PrincipalKind::kGroup)->size(), 1u);
  EXPECT_EQ(tx->ListPrincipals("t2", PrincipalKind::kUser)->size(), 1u);
  EXPECT_TRUE(tx->ListPrincipals("t3", PrincipalKind::kUser)->empty());
}

TEST_F(SqliteDirectoryTest, MembershipEdgesAddListAndRemove) {
  Put({User("u1", "a@x"), Group("g1"), Group("g2")}, {{"g1", "u1"}, {"g2", "u1"}, {"g2", "g1"}});
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->AddGroupMember("g1", "U1").ok());  // existing edge, other casing: no change
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Begin(TxMode::kRead);
    EXPECT_EQ(*tx->ListGroupMembers("g1"), std::vector<std::string>{"u1"});
    EXPECT_EQ(*tx->ListGroupMembers("g2"), (std::vector<std::string>{"g1", "u1"}));
    EXPECT_EQ(*tx->ListGroupsOf("u1"), (std::vector<std::string>{"g1", "g2"}));
    EXPECT_EQ(*tx->ListGroupsOf("g1"), std::vector<std::string>{"g2"});
  }
  auto tx = Begin(TxMode::kWrite);
  ASSERT_TRUE(tx->RemoveGroupMember("g2", "u1").ok());
  EXPECT_EQ(tx->RemoveGroupMember("g2", "u1").code(), StatusCode::kNotFound);
  EXPECT_EQ(*tx->ListGroupsOf("u1"), std::vector<std::string>{"g1"});
}

TEST_F(SqliteDirectoryTest, DeletingAPrincipalRemovesItsMembershipsBothWays) {
  Put({User("u1", "a@x"), Group("g1"), Group("g2")}, {{"g1", "u1"}, {"g2", "g1"}});
  auto tx = Begin(TxMode::kWrite);
  ASSERT_TRUE(tx->DeletePrincipal("g1").ok());
  EXPECT_FALSE(tx->GetPrincipal("g1")->has_value());
  EXPECT_TRUE(tx->ListGroupsOf("u1")->empty());
  EXPECT_TRUE(tx->ListGroupMembers("g2")->empty());
  EXPECT_EQ(tx->DeletePrincipal("g1").code(), StatusCode::kNotFound);
}

TEST_F(SqliteDirectoryTest, MigrationMakesAnExistingBootstrapAdministratorADirectoryAdmin) {
  // A database written before the directory_admin column existed: schema up to step 2.
  store_.reset();
  const fs::path old_db = dir_ / "old.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_db.c_str(), &db), SQLITE_OK);
  const char* sql =
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT "
      "NULL);"
      "INSERT INTO schema_migrations VALUES (1, 0), (2, 0);"
      "CREATE TABLE principals (object_id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE, tenant_id "
      "TEXT NOT NULL, kind TEXT NOT NULL, display_name TEXT NOT NULL, app_id TEXT NOT NULL, "
      "user_principal_name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at INTEGER NOT "
      "NULL);"
      "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
      // Later steps change the operations table of step 1.
      "CREATE TABLE operations (id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE, subscription TEXT "
      "NOT NULL, location TEXT NOT NULL, kind TEXT NOT NULL, resource_key TEXT NOT NULL, "
      "resource_id TEXT NOT NULL, status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time "
      "INTEGER NOT NULL, not_before INTEGER NOT NULL, error_code TEXT NOT NULL, error_message "
      "TEXT NOT NULL, attempts INTEGER NOT NULL);"
      "INSERT INTO principals VALUES ('admin', 't', 'ServicePrincipal', 'gallery-admin', 'app', "
      "'', 'h', 1), ('other', 't', 'ServicePrincipal', 'x', 'app2', '', 'h', 1);"
      "INSERT INTO settings VALUES ('bootstrap', '{\"objectId\":\"admin\"}');";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Result<std::unique_ptr<MetadataStore>> store = OpenSqliteStore(old_db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto tx = (*store)->Begin(TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  EXPECT_TRUE((*(*tx)->GetPrincipal("admin"))->directory_admin);
  EXPECT_FALSE((*(*tx)->GetPrincipal("other"))->directory_admin);
}

}  // namespace
}  // namespace gallery::metadata
