// `gallery login` and `gallery account ...`.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cli/cli_test_util.h"
#include "common/file_util.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json SubscriptionList() {
  return json::parse(R"({"value":[
    {"id":"/subscriptions/s-off","subscriptionId":"s-off","displayName":"Old","state":"Disabled",
     "tenantId":"t1"},
    {"id":"/subscriptions/s-a","subscriptionId":"s-a","displayName":"Alpha","state":"Enabled",
     "tenantId":"t1"},
    {"id":"/subscriptions/s-b","subscriptionId":"s-b","displayName":"Beta","state":"Enabled",
     "tenantId":"t1"}]})");
}

class AccountTest : public CliTest {
 protected:
  // Writes DATA_DIR/bootstrap.json as galleryd does, with a relative CA path.
  std::string WriteBootstrap(const std::string& subscription) {
    std::filesystem::create_directories(dir_ / "data");
    json bootstrap = {{"tenantId", "t1"},
                      {"subscriptionId", subscription},
                      {"clientId", "admin-app"},
                      {"clientSecret", "s3cret"},
                      {"armEndpoint", "https://127.0.0.1:9443/"},
                      {"caCertificate", "ca.pem"}};
    std::string path = (dir_ / "data" / "bootstrap.json").string();
    EXPECT_TRUE(WriteFileAtomic(path, bootstrap.dump()).ok());
    return path;
  }
  Result<Profile> Saved() const { return ProfileStore(env_.config_dir).Load(); }
};

TEST_F(AccountTest, LoginWithBootstrapVerifiesSavesAndPrintsTheAccount) {
  std::string bootstrap = WriteBootstrap("s-b");
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--bootstrap", bootstrap}), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET /subscriptions?api-version=2020-01-01"));
  ASSERT_EQ(transports_made_.size(), 1u);
  EXPECT_EQ(transports_made_[0].first, "https://127.0.0.1:9443/");
  EXPECT_EQ(transports_made_[0].second, (dir_ / "data" / "ca.pem").string());

  Result<Profile> p = Saved();
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->subscription_id, "s-b");
  EXPECT_EQ(p->client_id, "admin-app");
  EXPECT_EQ(p->client_secret, "s3cret");
  EXPECT_EQ(p->tenant_id, "t1");
  EXPECT_EQ(p->ca_certificate, (dir_ / "data" / "ca.pem").string());
  EXPECT_EQ(p->subscriptions.size(), 3u);
  struct stat st {};
  ASSERT_EQ(::stat((env_.config_dir / "profile.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  json account = OutJson();
  EXPECT_EQ(account["id"], "s-b");
  EXPECT_EQ(account["name"], "Beta");
  EXPECT_EQ(account["isDefault"], true);
  EXPECT_EQ(account["user"]["name"], "admin-app");
}

TEST_F(AccountTest, LoginWithFlagsPicksTheFirstEnabledSubscription) {
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--endpoint", "https://127.0.0.1:8443/", "--ca-cert", "/abs/ca.pem",
                 "--tenant", "t1", "--client-id", "app", "--client-secret", "pw"}),
            0)
      << err();
  EXPECT_EQ(Saved()->subscription_id, "s-a");
  EXPECT_EQ(Saved()->arm_endpoint, "https://127.0.0.1:8443/");
  EXPECT_EQ(OutJson()["id"], "s-a");
}

TEST_F(AccountTest, LoginSubscriptionOptionSelectsByName) {
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--bootstrap", WriteBootstrap("s-a"), "--subscription", "beta"}), 0);
  EXPECT_EQ(Saved()->subscription_id, "s-b");
}

TEST_F(AccountTest, LoginFailsWhenTheSubscriptionIsNotListed) {
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--bootstrap", WriteBootstrap("s-zzz")}), 3);
  EXPECT_THAT(err(), HasSubstr("(SubscriptionNotFound) The subscription 's-zzz'"));
  EXPECT_EQ(Saved().status().code(), StatusCode::kNotFound);
}

TEST_F(AccountTest, LoginFailsWhenNoSubscriptionIsEnabled) {
  transport_.RespondJson(200,
                         json::parse(R"({"value":[{"subscriptionId":"x","state":"Disabled"}]})"));
  EXPECT_EQ(Run({"login", "--endpoint", "https://h/", "--ca-cert", "/ca.pem", "--tenant", "t",
                 "--client-id", "c", "--client-secret", "s"}),
            1);
  EXPECT_THAT(err(), HasSubstr("No enabled subscription"));
}

TEST_F(AccountTest, LoginReportsServerErrorsAndSavesNothing) {
  transport_.RespondJson(
      401,
      {{"error",
        {{"code", "InvalidAuthenticationToken"}, {"message", "The access token is invalid."}}}});
  EXPECT_EQ(Run({"login", "--bootstrap", WriteBootstrap("s-a")}), 1);
  EXPECT_EQ(err(), "ERROR: (InvalidAuthenticationToken) The access token is invalid.\n");
  EXPECT_EQ(Saved().status().code(), StatusCode::kNotFound);
}

TEST_F(AccountTest, LoginNeedsBootstrapOrAllFlags) {
  EXPECT_EQ(Run({"login", "--endpoint", "https://h/", "--tenant", "t"}), 2);
  EXPECT_THAT(err(), HasSubstr("missing: --ca-cert, --client-id, --client-secret"));
  EXPECT_EQ(Run({"login", "--bootstrap", "/nonexistent/bootstrap.json"}), 2);
  EXPECT_THAT(err(), HasSubstr("cannot read '/nonexistent/bootstrap.json'"));
  EXPECT_EQ(Run({"login", "--bootstrap", "/x", "--endpoint", "https://h/"}), 2);  // exclusive
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(AccountTest, AccountShowListAndSet) {
  SaveProfile();
  EXPECT_EQ(Run({"account", "show"}), 0);
  EXPECT_EQ(OutJson()["id"], "sub1");
  EXPECT_EQ(OutJson()["isDefault"], true);

  EXPECT_EQ(Run({"account", "list", "-o", "table"}), 0);
  EXPECT_EQ(out(),
            "Name    SubscriptionId  State    IsDefault\n"
            "------  --------------  -------  ---------\n"
            "First   sub1            Enabled  true\n"
            "Second  sub2            Enabled  false\n");

  EXPECT_EQ(Run({"account", "set", "--subscription", "Second"}), 0);
  EXPECT_EQ(out(), "");
  EXPECT_EQ(ProfileStore(env_.config_dir).Load()->subscription_id, "sub2");
  EXPECT_EQ(Run({"account", "show", "-o", "tsv"}), 0);
  EXPECT_EQ(out(), "Second\tsub2\tEnabled\ttrue\n");

  EXPECT_EQ(Run({"account", "set", "--subscription", "nope"}), 3);
  EXPECT_THAT(err(), HasSubstr("'nope' is not in the profile"));
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(AccountTest, AccountCommandsWithoutProfileAskToLogIn) {
  EXPECT_EQ(Run({"account", "show"}), 1);
  EXPECT_EQ(err(), "ERROR: Please run 'gallery login'.\n");
  EXPECT_EQ(Run({"account", "list"}), 1);
  EXPECT_EQ(Run({"account", "set", "-s", "x"}), 1);
}

}  // namespace
}  // namespace gallery::cli
