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
  RespondDiscoveryAndToken();
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--bootstrap", bootstrap}), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET /metadata/endpoints?api-version=2022-09-01",
                                                 "POST https://127.0.0.1:8443/adfs/oauth2/token",
                                                 "GET /subscriptions?api-version=2020-01-01"));
  EXPECT_EQ(*FindHeader(transport_.calls[2].headers, "authorization"), "Bearer arm-token");
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
  EXPECT_EQ(p->authority, "https://127.0.0.1:8443/adfs");
  EXPECT_EQ(p->arm_resource, kArmResource);
  EXPECT_EQ(p->access_tokens.at(kArmResource).access_token, "arm-token");
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
  RespondDiscoveryAndToken();
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
  RespondDiscoveryAndToken();
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--bootstrap", WriteBootstrap("s-a"), "--subscription", "beta"}), 0);
  EXPECT_EQ(Saved()->subscription_id, "s-b");
}

TEST_F(AccountTest, LoginFailsWhenTheSubscriptionIsNotListed) {
  RespondDiscoveryAndToken();
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--bootstrap", WriteBootstrap("s-zzz")}), 3);
  EXPECT_THAT(err(), HasSubstr("(SubscriptionNotFound) The subscription 's-zzz'"));
  EXPECT_EQ(Saved().status().code(), StatusCode::kNotFound);
}

TEST_F(AccountTest, LoginFailsWhenNoSubscriptionIsEnabled) {
  RespondDiscoveryAndToken();
  transport_.RespondJson(200,
                         json::parse(R"({"value":[{"subscriptionId":"x","state":"Disabled"}]})"));
  EXPECT_EQ(Run({"login", "--endpoint", "https://h/", "--ca-cert", "/ca.pem", "--tenant", "t",
                 "--client-id", "c", "--client-secret", "s"}),
            1);
  EXPECT_THAT(err(), HasSubstr("No enabled subscription"));
}

TEST_F(AccountTest, LoginReportsServerErrorsAndSavesNothing) {
  RespondDiscoveryAndToken();
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
  EXPECT_EQ(Run({"login", "--endpoint", "https://h/", "--ca-cert", "/ca", "--username", "a@x"}), 2);
  EXPECT_THAT(err(), HasSubstr("missing: --password"));
  EXPECT_EQ(Run({"login", "--bootstrap", "/nonexistent/bootstrap.json"}), 2);
  EXPECT_THAT(err(), HasSubstr("cannot read '/nonexistent/bootstrap.json'"));
  EXPECT_EQ(Run({"login", "--bootstrap", "/x", "--endpoint", "https://h/"}), 2);  // exclusive
  EXPECT_THAT(transport_.calls, IsEmpty());
}

TEST_F(AccountTest, LoginWithAWrongSecretShowsTheTokenEndpointsErrorAndSavesNothing) {
  transport_.RespondJson(
      200, {{"authentication",
             {{"loginEndpoint", "https://127.0.0.1:9443/adfs"}, {"audiences", {kArmResource}}}}});
  transport_.RespondJson(401, {{"error", "invalid_client"},
                               {"error_description", "AADSTS7000215: Invalid client secret."}});
  EXPECT_EQ(Run({"login", "--bootstrap", WriteBootstrap("s-a")}), 1);
  EXPECT_EQ(err(), "ERROR: (invalid_client) AADSTS7000215: Invalid client secret.\n");
  EXPECT_EQ(Saved().status().code(), StatusCode::kNotFound);
}

TEST_F(AccountTest, UserLoginSendsThePasswordGrantAndShowsTheUser) {
  RespondDiscoveryAndToken();
  transport_.RespondJson(200, SubscriptionList());
  EXPECT_EQ(Run({"login", "--endpoint", "https://127.0.0.1:8443/", "--ca-cert", "/abs/ca.pem",
                 "--username", "alice@contoso.example", "--password", "pw12345678"}),
            0)
      << err();
  EXPECT_THAT(transport_.calls[1].body, HasSubstr("grant_type=password"));
  EXPECT_EQ(OutJson()["user"], (json{{"name", "alice@contoso.example"}, {"type", "user"}}));
  EXPECT_EQ(Saved()->user_name, "alice@contoso.example");
  EXPECT_EQ(Saved()->tenant_id, "t1");  // from the subscription
}

TEST_F(AccountTest, LogoutRemovesTheProfile) {
  SaveProfile();
  EXPECT_EQ(Run({"logout"}), 0) << err();
  EXPECT_EQ(Saved().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Run({"logout"}), 0);  // nothing to forget is fine
  EXPECT_EQ(Run({"account", "show"}), 1);
  EXPECT_THAT(err(), HasSubstr("Please run 'gallery login'."));
}

TEST_F(AccountTest, CommandsRenewAnExpiredTokenAndSaveIt) {
  SaveProfile();
  Profile p = *Saved();
  p.access_tokens[kArmResource].expires_on = 1;  // long expired
  ASSERT_TRUE(ProfileStore(env_.config_dir).Save(p).ok());
  transport_.RespondJson(200, {{"access_token", "fresh"}, {"expires_in", 3600}});
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"group", "list"}), 0) << err();
  EXPECT_EQ(transport_.Requests()[0], "POST https://127.0.0.1:8443/adfs/oauth2/token");
  EXPECT_EQ(*FindHeader(transport_.calls[1].headers, "authorization"), "Bearer fresh");
  EXPECT_EQ(Saved()->access_tokens.at(kArmResource).access_token, "fresh");
}

TEST_F(AccountTest, SubscriptionCreatePutsAnAliasAndAddsItToTheProfile) {
  SaveProfile();
  transport_.RespondJson(201, {{"id", "/providers/Microsoft.Subscription/aliases/team-a"},
                               {"name", "team-a"},
                               {"properties",
                                {{"subscriptionId", "sub-new"},
                                 {"displayName", "Team A"},
                                 {"provisioningState", "Succeeded"}}}});
  EXPECT_EQ(
      Run({"account", "subscription", "create", "--name", "team-a", "--display-name", "Team A"}), 0)
      << err();
  EXPECT_EQ(transport_.Requests()[0],
            "PUT /providers/Microsoft.Subscription/aliases/team-a?api-version=2021-10-01");
  EXPECT_EQ(transport_.Body(0)["properties"]["displayName"], "Team A");
  EXPECT_EQ(OutJson()["properties"]["subscriptionId"], "sub-new");
  EXPECT_NE(Saved()->FindSubscription("sub-new"), nullptr);
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
