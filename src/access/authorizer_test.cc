// Authorizer over a real SQLite store: scopes above, below and beside a grant, groups,
// notActions, custom roles, and an index that follows every committed change.

#include "access/authorizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "access/actions.h"
#include "metadata/sqlite_store.h"
#include "metadata/test_store.h"

namespace gallery::access {
namespace {

namespace fs = std::filesystem;

constexpr char kSub[] = "00000000-0000-0000-0000-00000000000a";
constexpr char kAlice[] = "a11ce000-0000-0000-0000-000000000001";
constexpr char kBob[] = "b0b00000-0000-0000-0000-000000000002";
constexpr char kGroup[] = "90000000-0000-0000-0000-000000000003";
constexpr char kNested[] = "90000000-0000-0000-0000-000000000004";

ResourceId Group() { return ResourceId::ForResourceGroup(kSub, "rg1"); }
ResourceId Gallery(const std::string& g = "g1") {
  return ResourceId::ForResource(kSub, "rg1", "Microsoft.Compute", {{"galleries", g}});
}
ResourceId Definition(const std::string& g = "g1", const std::string& d = "d1") {
  return Gallery(g).Child("images", d);
}
ResourceId Version(const std::string& v = "1.0.0", const std::string& d = "d1") {
  return Definition("g1", d).Child("versions", v);
}

const char kGalleryRead[] = "Microsoft.Compute/galleries/read";
const char kVersionRead[] = "Microsoft.Compute/galleries/images/versions/read";
const char kVersionWrite[] = "Microsoft.Compute/galleries/images/versions/write";

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = metadata::test_support::FreshTestDir("gallery-authorizer-test");
    ASSERT_NO_FATAL_FAILURE(metadata::test_support::OpenTestStore(dir_, store_));
    authz_ = std::make_unique<Authorizer>(*store_);
  }
  void TearDown() override {
    authz_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  void Assign(const std::string& name, const ResourceId& scope, const std::string& principal,
              const std::string& role) {
    domain::RoleAssignment a;
    a.name = name;
    a.scope = scope;
    a.principal_id = principal;
    a.role_definition_name = role;
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutRoleAssignment(a).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  void Write(const std::function<Status(metadata::Transaction&)>& f) {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(f(**tx).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  bool Can(const domain::Caller& caller, std::string_view action, const ResourceId& scope) {
    Result<bool> r = authz_->Check(caller, action, scope);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }
  static domain::Caller Caller(const std::string& oid, std::vector<std::string> groups = {}) {
    return {"t1", oid, oid, domain::PrincipalKind::kUser, std::move(groups)};
  }

  fs::path dir_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<Authorizer> authz_;
};

TEST_F(AuthorizerTest, NoAssignmentNoAccess) {
  EXPECT_FALSE(Can(Caller(kAlice), kGalleryRead, Gallery()));
  EXPECT_FALSE(Can(Caller(kAlice), kGalleryRead, ResourceId::ForSubscription(kSub)));
}

TEST_F(AuthorizerTest, AGrantHoldsAtItsScopeAndBelowNeverAboveOrBeside) {
  Assign("a1", Definition(), kAlice, domain::kReaderRoleName);
  const domain::Caller alice = Caller(kAlice);
  EXPECT_TRUE(Can(alice, "Microsoft.Compute/galleries/images/read", Definition()));
  EXPECT_TRUE(Can(alice, kVersionRead, Version()));
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery()));                // above
  EXPECT_FALSE(Can(alice, kGalleryRead, Group()));                  // further above
  EXPECT_FALSE(Can(alice, kVersionRead, Version("1.0.0", "d2")));   // a sibling definition's
  EXPECT_FALSE(Can(alice, kVersionRead, Definition("g1", "d10")));  // a name it prefixes
  EXPECT_FALSE(Can(alice, kVersionWrite, Version()));               // Reader does not write
}

TEST_F(AuthorizerTest, ScopesCompareCaseInsensitivelyAndSegmentWise) {
  Assign("a1", Gallery("G1"), kAlice, domain::kReaderRoleName);
  const domain::Caller alice = Caller("A11CE000-0000-0000-0000-000000000001");
  EXPECT_TRUE(Can(alice, kGalleryRead,
                  ResourceId::ForResource("00000000-0000-0000-0000-00000000000A", "RG1",
                                          "microsoft.compute", {{"GALLERIES", "g1"}})));
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery("g10")));
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery("g")));
}

TEST_F(AuthorizerTest, GroupsGrantTheirMembersWhatTheyHold) {
  Assign("a1", Gallery(), kNested, domain::kContributorRoleName);
  EXPECT_TRUE(Can(Caller(kBob, {kGroup, kNested}), kVersionWrite, Version()));
  EXPECT_FALSE(Can(Caller(kBob, {kGroup}), kVersionWrite, Version()));
  EXPECT_FALSE(Can(Caller(kBob), kVersionWrite, Version()));
}

TEST_F(AuthorizerTest, NotActionsAreSubtracted) {
  Assign("a1", ResourceId::ForSubscription(kSub), kAlice, domain::kContributorRoleName);
  const domain::Caller alice = Caller(kAlice);
  EXPECT_TRUE(Can(alice, "Microsoft.Compute/galleries/delete", Gallery()));
  EXPECT_TRUE(Can(alice, kRoleAssignmentsRead, Gallery()));
  EXPECT_FALSE(Can(alice, kRoleAssignmentsWrite, Gallery()));
  EXPECT_FALSE(Can(alice, kRoleAssignmentsDelete, Gallery()));
  // An Owner grant elsewhere adds what the Contributor lacks, only there.
  Assign("a2", Gallery(), kAlice, domain::kOwnerRoleName);
  EXPECT_TRUE(Can(alice, kRoleAssignmentsWrite, Version()));
  EXPECT_FALSE(Can(alice, kRoleAssignmentsWrite, Gallery("g2")));
}

TEST_F(AuthorizerTest, CustomRolesGrantTheirActionsAndStopWhenDeleted) {
  domain::RoleDefinition publisher;
  publisher.name = "55555555-0000-0000-0000-000000000005";
  publisher.tenant_id = "t1";
  publisher.role_name = "Version publisher";
  publisher.permissions = {{{"Microsoft.Compute/galleries/images/versions/*"},
                            {"Microsoft.Compute/galleries/images/versions/delete"},
                            {},
                            {}}};
  publisher.assignable_scopes = {"/subscriptions/" + std::string(kSub)};
  Write([&](metadata::Transaction& tx) { return tx.PutRoleDefinition(publisher); });
  Assign("a1", Gallery(), kAlice, publisher.name);
  const domain::Caller alice = Caller(kAlice);
  EXPECT_TRUE(Can(alice, kVersionWrite, Version()));
  EXPECT_TRUE(Can(alice, kVersionRead, Version()));
  EXPECT_FALSE(Can(alice, "Microsoft.Compute/galleries/images/versions/delete", Version()));
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery()));
  Write([&](metadata::Transaction& tx) { return tx.DeleteRoleDefinition(publisher.name); });
  EXPECT_FALSE(Can(alice, kVersionWrite, Version()));
}

TEST_F(AuthorizerTest, TheIndexFollowsEveryCommittedChange) {
  const domain::Caller alice = Caller(kAlice);
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery()));
  Assign("a1", Gallery(), kAlice, domain::kReaderRoleName);
  EXPECT_TRUE(Can(alice, kGalleryRead, Gallery()));
  // A cascade (a deleted gallery takes its assignments along) is seen at once.
  Write(
      [&](metadata::Transaction& tx) { return tx.DeleteRoleAssignmentsWithin(Group()).status(); });
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery()));
  // An uncommitted change is not.
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    domain::RoleAssignment a;
    a.name = "a2";
    a.scope = Gallery();
    a.principal_id = kAlice;
    a.role_definition_name = domain::kReaderRoleName;
    ASSERT_TRUE((*tx)->PutRoleAssignment(a).ok());
  }
  EXPECT_FALSE(Can(alice, kGalleryRead, Gallery()));
}

TEST_F(AuthorizerTest, HoldsRoleWithinLooksAtAndBelowTheScope) {
  Assign("a1", Version(), kAlice, domain::kReaderRoleName);
  auto within = [&](const domain::Caller& c, const ResourceId& scope) {
    Result<bool> r = authz_->HoldsRoleWithin(c, scope);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(within(Caller(kAlice), ResourceId::ForSubscription(kSub)));
  EXPECT_TRUE(within(Caller(kAlice), Gallery()));
  EXPECT_TRUE(within(Caller(kAlice), Version()));
  EXPECT_FALSE(within(Caller(kAlice), Gallery("g2")));
  EXPECT_FALSE(within(Caller(kAlice), Version("1.0.1")));
  EXPECT_FALSE(within(Caller(kBob), ResourceId::ForSubscription(kSub)));
}

TEST(ActionsTest, ActionsAreTheTypeAndTheVerb) {
  EXPECT_EQ(ActionOn(Gallery(), Verb::kRead), "Microsoft.Compute/galleries/read");
  EXPECT_EQ(ActionOn(Version(), Verb::kWrite), "Microsoft.Compute/galleries/images/versions/write");
  EXPECT_EQ(ActionOn(Group(), Verb::kDelete),
            "Microsoft.Resources/subscriptions/resourceGroups/delete");
  EXPECT_EQ(ActionOn(ResourceId::ForSubscription(kSub), Verb::kRead),
            "Microsoft.Resources/subscriptions/read");
}

}  // namespace
}  // namespace gallery::access
