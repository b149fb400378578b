// DirectoryService over a real SQLite store, bootstrapped as galleryd does.

#include "service/directory_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "access/secret_hash.h"
#include "metadata/sqlite_store.h"
#include "service/bootstrap.h"
#include "service/test_store.h"

namespace gallery::service {
namespace {

using domain::Principal;
using domain::PrincipalKind;

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("gallery-directory-test");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    admin_.caller = {boot_.tenant_id, boot_.object_id, "gallery-admin"};
    hooks_.principal_deleted = [this] { ++deletions_; };
    hooks_.subscription_created = [this](metadata::Transaction& tx, const domain::Subscription& sub,
                                         const domain::Caller& creator) -> Status {
      if (!hook_result_.ok()) {
        return hook_result_;
      }
      // Writes in the creating transaction, as granting Owner will.
      return tx.PutSetting("owner:" + sub.id, creator.object_id);
    };
    directory_ = std::make_unique<DirectoryService>(*store_, clock_, *random_, hooks_);
  }
  void TearDown() override {
    directory_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A caller acting as `p`.
  RequestContext As(const Principal& p) {
    RequestContext ctx;
    ctx.caller = {p.tenant_id, p.object_id, p.display_name, p.kind, {}};
    return ctx;
  }
  Principal User(const std::string& upn) {
    Result<Principal> u = directory_->CreateUser(admin_, {upn, "", "password-1"});
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : Principal{};
  }
  std::optional<std::string> Setting(const std::string& key) {
    auto tx = store_->Begin(metadata::TxMode::kRead);
    return *(*tx)->GetSetting(key);
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'800'000'000'000};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  BootstrapIdentity boot_;
  RequestContext admin_;
  DirectoryHooks hooks_;
  int deletions_ = 0;
  Status hook_result_ = Status::Ok();
  std::unique_ptr<DirectoryService> directory_;
};

TEST_F(DirectoryServiceTest, BootstrapAdministratorIsADirectoryAdmin) {
  Result<Principal> me = directory_->Me(admin_);
  ASSERT_TRUE(me.ok());
  EXPECT_TRUE(me->directory_admin);
}

TEST_F(DirectoryServiceTest, CreatedUserHasAHashedPasswordAndIsListed) {
  Principal alice = User("alice@contoso.example");
  EXPECT_EQ(alice.kind, PrincipalKind::kUser);
  EXPECT_EQ(alice.tenant_id, boot_.tenant_id);
  EXPECT_EQ(alice.display_name, "alice@contoso.example");
  EXPECT_FALSE(alice.directory_admin);
  EXPECT_EQ(alice.secret_hash.rfind("pbkdf2-sha256$", 0), 0u);
  EXPECT_TRUE(access::VerifySecret("password-1", alice.secret_hash));
  Result<Principal> by_upn = directory_->Get(admin_, "ALICE@contoso.example", PrincipalKind::kUser);
  ASSERT_TRUE(by_upn.ok()) << by_upn.status().ToString();
  EXPECT_EQ(by_upn->object_id, alice.object_id);
  Result<std::vector<Principal>> users = directory_->List(admin_, PrincipalKind::kUser);
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].object_id, alice.object_id);
}

TEST_F(DirectoryServiceTest, UserInputsAreChecked) {
  auto code = [&](NewUser u) { return directory_->CreateUser(admin_, u).status(); };
  Status no_at = code({"alice", "", "password-1"});
  EXPECT_EQ(no_at.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_at.target(), "userPrincipalName");
  EXPECT_EQ(code({"@x", "", "password-1"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"a@b@c", "", "password-1"}).code(), StatusCode::kInvalidArgument);
  Status short_pw = code({"a@x", "", "short"});
  EXPECT_EQ(short_pw.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(short_pw.target(), "passwordProfile.password");
  EXPECT_EQ(code({"a@x", std::string(300, 'n'), "password-1"}).target(), "displayName");
  User("bob@x");
  Status dup = code({"BOB@x", "", "password-2"});
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
}

TEST_F(DirectoryServiceTest, ServicePrincipalGetsAnAppIdAndASecretShownOnce) {
  Result<CreatedServicePrincipal> sp = directory_->CreateServicePrincipal(admin_, "ci");
  ASSERT_TRUE(sp.ok()) << sp.status().ToString();
  EXPECT_EQ(sp->principal.kind, PrincipalKind::kServicePrincipal);
  EXPECT_EQ(sp->principal.app_id.size(), 36u);
  EXPECT_EQ(sp->secret.size(), 40u);
  EXPECT_TRUE(access::VerifySecret(sp->secret, sp->principal.secret_hash));
  Result<Principal> stored =
      directory_->Get(admin_, sp->principal.object_id, PrincipalKind::kServicePrincipal);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->secret_hash.find(sp->secret), std::string::npos);

  Result<std::string> rotated = directory_->AddPassword(admin_, sp->principal.object_id);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(*rotated, sp->secret);
  Result<Principal> after =
      directory_->Get(admin_, sp->principal.object_id, PrincipalKind::kServicePrincipal);
  EXPECT_TRUE(access::VerifySecret(*rotated, after->secret_hash));
  EXPECT_FALSE(access::VerifySecret(sp->secret, after->secret_hash));
  EXPECT_EQ(directory_->AddPassword(admin_, "nope").status().code(), StatusCode::kNotFound);
}

TEST_F(DirectoryServiceTest, OnlyADirectoryAdminMayWrite) {
  Principal alice = User("alice@x");
  RequestContext as_alice = As(alice);
  const StatusCode denied = StatusCode::kPermissionDenied;
  EXPECT_EQ(directory_->CreateUser(as_alice, {"eve@x", "", "password-1"}).status().code(), denied);
  EXPECT_EQ(directory_->CreateServicePrincipal(as_alice, "x").status().code(), denied);
  EXPECT_EQ(directory_->CreateGroup(as_alice, "x").status().code(), denied);
  Result<Principal> g = directory_->CreateGroup(admin_, "team");
  ASSERT_TRUE(g.ok());
  Status add = directory_->AddMember(as_alice, g->object_id, alice.object_id);
  EXPECT_EQ(add.code(), denied);
  EXPECT_NE(add.message().find("not a directory administrator"), std::string::npos);
  EXPECT_EQ(directory_->CreateSubscription(as_alice, "a1", "").status().code(), denied);
  EXPECT_EQ(directory_->Delete(as_alice, g->object_id, PrincipalKind::kGroup).code(), denied);
  // Reading is open to every principal of the tenant.
  EXPECT_TRUE(directory_->List(as_alice, PrincipalKind::kGroup).ok());
}

TEST_F(DirectoryServiceTest, MembershipAddRemoveListWithNestedGroups) {
  Principal alice = User("alice@x");
  Result<Principal> inner = directory_->CreateGroup(admin_, "inner");
  Result<Principal> outer = directory_->CreateGroup(admin_, "outer");
  ASSERT_TRUE(inner.ok() && outer.ok());
  ASSERT_TRUE(directory_->AddMember(admin_, inner->object_id, alice.object_id).ok());
  ASSERT_TRUE(directory_->AddMember(admin_, outer->object_id, inner->object_id).ok());
  ASSERT_TRUE(directory_->AddMember(admin_, inner->object_id, outer->object_id).ok());  // cycle
  ASSERT_TRUE(directory_->AddMember(admin_, inner->object_id, alice.object_id).ok());   // again
  Result<std::vector<Principal>> members = directory_->ListMembers(admin_, inner->object_id);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 2u);
  EXPECT_EQ(directory_->AddMember(admin_, inner->object_id, inner->object_id).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(directory_->AddMember(admin_, alice.object_id, inner->object_id).code(),
            StatusCode::kNotFound);  // a user is not a group
  EXPECT_EQ(directory_->AddMember(admin_, inner->object_id, "no-such-member").code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(directory_->RemoveMember(admin_, inner->object_id, alice.object_id).ok());
  EXPECT_EQ(directory_->RemoveMember(admin_, inner->object_id, alice.object_id).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(directory_->ListMembers(admin_, inner->object_id)->size(), 1u);
}

TEST_F(DirectoryServiceTest, OtherTenantsObjectsAreInvisible) {
  Principal alice = User("alice@x");
  Principal stranger = alice;
  stranger.object_id = "stranger";
  stranger.tenant_id = "other-tenant";
  {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    ASSERT_TRUE((*tx)->PutTenant({"other-tenant", "Other", 0}).ok());
    stranger.user_principal_name = "stranger@other";
    stranger.directory_admin = true;
    ASSERT_TRUE((*tx)->PutPrincipal(stranger).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  RequestContext as_stranger = As(stranger);
  EXPECT_EQ(directory_->Get(as_stranger, alice.object_id, PrincipalKind::kUser).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(directory_->GetByIds(as_stranger, {alice.object_id})->empty());
  EXPECT_EQ(directory_->List(as_stranger, PrincipalKind::kUser)->size(), 1u);  // itself only
  Result<Principal> g = directory_->CreateGroup(admin_, "team");
  EXPECT_EQ(directory_->AddMember(as_stranger, g->object_id, stranger.object_id).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(directory_->AddMember(admin_, g->object_id, stranger.object_id).code(),
            StatusCode::kNotFound);
}

TEST_F(DirectoryServiceTest, CheckDirectoryAdminAcceptsOnlyAnAdministratorOfTheCallersTenant) {
  EXPECT_TRUE(directory_->CheckDirectoryAdmin(admin_).ok());
  Status alice = directory_->CheckDirectoryAdmin(As(User("alice@x")));
  EXPECT_EQ(alice.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(alice.message().find("not a directory administrator"), std::string::npos);
  RequestContext elsewhere = admin_;
  elsewhere.caller.tenant_id = "other-tenant";
  EXPECT_EQ(directory_->CheckDirectoryAdmin(elsewhere).code(), StatusCode::kPermissionDenied);
}

TEST_F(DirectoryServiceTest, GetByIdsKeepsTheOrderAndSkipsUnknownIds) {
  Principal a = User("a@x");
  Principal b = User("b@x");
  Result<std::vector<Principal>> found =
      directory_->GetByIds(admin_, {b.object_id, "unknown", a.object_id});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].object_id, b.object_id);
  EXPECT_EQ((*found)[1].object_id, a.object_id);
}

TEST_F(DirectoryServiceTest, DeleteRemovesThePrincipalAndTellsTheHook) {
  Principal alice = User("alice@x");
  EXPECT_EQ(directory_->Delete(admin_, alice.object_id, PrincipalKind::kGroup).code(),
            StatusCode::kNotFound);  // wrong kind
  ASSERT_TRUE(directory_->Delete(admin_, alice.object_id, PrincipalKind::kUser).ok());
  EXPECT_EQ(deletions_, 1);
  EXPECT_EQ(directory_->Get(admin_, alice.object_id, PrincipalKind::kUser).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(directory_->Delete(admin_, boot_.object_id, PrincipalKind::kServicePrincipal).code(),
            StatusCode::kInvalidArgument);  // not itself
}

TEST_F(DirectoryServiceTest, SubscriptionCreationRunsTheHookInItsTransactionAndIsIdempotent) {
  Result<CreatedSubscription> created = directory_->CreateSubscription(admin_, "team-a", "Team A");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->subscription.tenant_id, boot_.tenant_id);
  EXPECT_EQ(created->subscription.display_name, "Team A");
  EXPECT_EQ(created->subscription.state, "Enabled");
  EXPECT_EQ(Setting("owner:" + created->subscription.id), boot_.object_id);

  Result<CreatedSubscription> again = directory_->CreateSubscription(admin_, "TEAM-A", "Other");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->subscription.id, created->subscription.id);
  Result<domain::Subscription> alias = directory_->GetSubscriptionAlias(admin_, "team-a");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->id, created->subscription.id);
  EXPECT_EQ(directory_->GetSubscriptionAlias(admin_, "nope").status().code(),
            StatusCode::kNotFound);
}

TEST_F(DirectoryServiceTest, FailingHookRollsTheSubscriptionBack) {
  hook_result_ = Status::Internal("cannot grant Owner");
  Result<CreatedSubscription> created = directory_->CreateSubscription(admin_, "team-b", "");
  EXPECT_EQ(created.status().code(), StatusCode::kInternal);
  auto tx = store_->Begin(metadata::TxMode::kRead);
  EXPECT_EQ((*(*tx)->ListSubscriptions()).size(), 1u);  // only the bootstrap one
  EXPECT_FALSE(
      (*(*tx)->GetSetting("subscription-alias:" + boot_.tenant_id + ":team-b")).has_value());
}

TEST_F(DirectoryServiceTest, SubscriptionAliasIsChecked) {
  EXPECT_EQ(directory_->CreateSubscription(admin_, "", "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(directory_->CreateSubscription(admin_, std::string(65, 'a'), "").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gallery::service
