#pragma once
// Test fixture for the access layer (tests only): a temporary SQLite store holding one tenant
// with a service principal, a user and groups, a shared signing key and a fake clock.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "access/secret_hash.h"
#include "access/signing_key.h"
#include "common/time.h"
#include "metadata/sqlite_store.h"

namespace gallery::access::testing {

inline constexpr char kTenant[] = "tenant-1";
inline constexpr char kSpObject[] = "sp-object";
inline constexpr char kSpApp[] = "sp-app-id";
inline constexpr char kSpSecret[] = "sp-secret-value";
inline constexpr char kUserObject[] = "user-object";
inline constexpr char kUserUpn[] = "alice@contoso.example";
inline constexpr char kUserPassword[] = "correct horse";
inline constexpr TimestampMs kNow = 1'800'000'000'000;  // 2027-01-15

// A counter-based Random: reproducible salts and ids.
class CountingRandom final : public Random {
 public:
  std::string Bytes(size_t n) override {
    std::string out(n, '\0');
    for (char& c : out) {
      c = static_cast<char>(next_++);
    }
    return out;
  }

 private:
  unsigned next_ = 1;
};

// One RSA key for every test of the binary (generating one costs tens of milliseconds).
inline const SigningKey& SharedKey() {
  static const std::unique_ptr<SigningKey> key = std::move(*SigningKey::Generate());
  return *key;
}

class DirectoryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gallery-access-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto store = metadata::OpenSqliteStore(dir_ / "gallery.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto tx = Write();
    ASSERT_TRUE(tx->PutTenant({kTenant, "Contoso", 0}).ok());
    domain::Principal sp;
    sp.object_id = kSpObject;
    sp.tenant_id = kTenant;
    sp.kind = domain::PrincipalKind::kServicePrincipal;
    sp.display_name = "ci";
    sp.app_id = kSpApp;
    sp.secret_hash = HashSecret(kSpSecret, random_, 1000);
    ASSERT_TRUE(tx->PutPrincipal(sp).ok());
    domain::Principal user;
    user.object_id = kUserObject;
    user.tenant_id = kTenant;
    user.kind = domain::PrincipalKind::kUser;
    user.display_name = "Alice";
    user.user_principal_name = kUserUpn;
    user.secret_hash = HashSecret(kUserPassword, random_, 1000);
    ASSERT_TRUE(tx->PutPrincipal(user).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<metadata::Transaction> Write() {
    auto tx = store_->Begin(metadata::TxMode::kWrite);
    EXPECT_TRUE(tx.ok());
    return std::move(*tx);
  }
  void AddGroup(const std::string& id) {
    auto tx = Write();
    domain::Principal g;
    g.object_id = id;
    g.tenant_id = kTenant;
    g.kind = domain::PrincipalKind::kGroup;
    g.display_name = id;
    ASSERT_TRUE(tx->PutPrincipal(g).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  void AddMember(const std::string& group, const std::string& member) {
    auto tx = Write();
    ASSERT_TRUE(tx->AddGroupMember(group, member).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  void RemoveMember(const std::string& group, const std::string& member) {
    auto tx = Write();
    ASSERT_TRUE(tx->RemoveGroupMember(group, member).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  void DeletePrincipal(const std::string& id) {
    auto tx = Write();
    ASSERT_TRUE(tx->DeletePrincipal(id).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<metadata::MetadataStore> store_;
  CountingRandom random_;
  FakeClock clock_{kNow};
};

}  // namespace gallery::access::testing
