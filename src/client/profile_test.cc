#include "client/profile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "common/file_util.h"

namespace gallery {
namespace {

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gallery-profile-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Profile Sample() {
    Profile p;
    p.arm_endpoint = "https://127.0.0.1:8443/";
    p.ca_certificate = "/data/ca.pem";
    p.tenant_id = "T";
    p.client_id = "app";
    p.client_secret = "secret";
    p.subscription_id = "S2";
    p.subscriptions = {{"S1", "First", "Enabled", "T"}, {"S2", "Second", "Enabled", "T"}};
    return p;
  }

  std::filesystem::path dir_;
};

TEST_F(ProfileTest, SaveThenLoadRoundTrips) {
  ProfileStore store(dir_ / "cfg");
  ASSERT_TRUE(store.Save(Sample()).ok());
  Result<Profile> loaded = store.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->ToJson(), Sample().ToJson());
  EXPECT_EQ(loaded->client_secret, "secret");
  ASSERT_EQ(loaded->subscriptions.size(), 2u);
  EXPECT_EQ(loaded->subscriptions[1].display_name, "Second");
}

TEST_F(ProfileTest, ProfileFileIsPrivate) {
  ProfileStore store(dir_ / "cfg");
  ASSERT_TRUE(store.Save(Sample()).ok());
  struct stat st {};
  ASSERT_EQ(::stat(store.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "cfg").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(ProfileTest, MissingProfileIsNotFound) {
  EXPECT_EQ(ProfileStore(dir_).Load().status().code(), StatusCode::kNotFound);
}

TEST_F(ProfileTest, MalformedProfileIsInvalidArgumentNamingTheFile) {
  ProfileStore store(dir_);
  ASSERT_TRUE(WriteFileAtomic(store.path(), "{nope").ok());
  Result<Profile> r = store.Load();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(store.path().string()), std::string::npos);

  ASSERT_TRUE(WriteFileAtomic(store.path(), R"({"armEndpoint":"https://h/"})").ok());
  r = store.Load();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("caCertificate"), std::string::npos);
}

TEST_F(ProfileTest, FindSubscriptionMatchesIdOrNameIgnoringCase) {
  Profile p = Sample();
  ASSERT_NE(p.FindSubscription("s1"), nullptr);
  EXPECT_EQ(p.FindSubscription("second")->subscription_id, "S2");
  EXPECT_EQ(p.FindSubscription("S3"), nullptr);
}

TEST_F(ProfileTest, AccountJsonMarksTheCurrentSubscription) {
  Profile p = Sample();
  nlohmann::json a = p.AccountJson(p.subscriptions[1]);
  EXPECT_EQ(a["id"], "S2");
  EXPECT_EQ(a["name"], "Second");
  EXPECT_EQ(a["isDefault"], true);
  EXPECT_EQ(a["user"]["name"], "app");
  EXPECT_EQ(p.AccountJson(p.subscriptions[0])["isDefault"], false);
}

TEST(ConfigDirTest, PrefersGalleryConfigDirThenHome) {
  EXPECT_EQ(ConfigDirFromEnvironment("/etc/g", "/home/u"), "/etc/g");
  EXPECT_EQ(ConfigDirFromEnvironment("", "/home/u"), "/home/u/.gallery");
  EXPECT_EQ(ConfigDirFromEnvironment(nullptr, "/home/u"), "/home/u/.gallery");
  EXPECT_EQ(ConfigDirFromEnvironment(nullptr, nullptr), ".gallery");
}

}  // namespace
}  // namespace gallery
