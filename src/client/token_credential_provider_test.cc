#include "client/token_credential_provider.h"

#include <gtest/gtest.h>

#include "client/fake_transport.h"

namespace gallery {
namespace {

using nlohmann::json;

constexpr TimestampMs kNow = 1'800'000'000'000;

class TokenProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    profile_.arm_endpoint = "https://127.0.0.1:8443/";
    profile_.authority = "https://127.0.0.1:8443/adfs";
    profile_.arm_resource = "https://management.gallery.local/";
    profile_.client_id = "app";
    profile_.client_secret = "s&cret";
  }
  TokenCredentialProvider Provider() {
    return TokenCredentialProvider(transport_, profile_, profile_.arm_resource, clock_,
                                   [this](const Profile& p) {
                                     ++saves_;
                                     saved_ = p;
                                     return Status::Ok();
                                   });
  }
  void RespondToken(const std::string& token, int64_t expires_in = 3600) {
    transport_.RespondJson(
        200, {{"access_token", token}, {"token_type", "Bearer"}, {"expires_in", expires_in}});
  }

  FakeTransport transport_;
  Profile profile_;
  FakeClock clock_{kNow};
  int saves_ = 0;
  Profile saved_;
};

TEST_F(TokenProviderTest, ClientCredentialsAreFormEncodedToTheAuthority) {
  RespondToken("t1");
  TokenCredentialProvider provider = Provider();
  Result<std::optional<std::string>> token = provider.GetToken();
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(**token, "t1");
  ASSERT_EQ(transport_.calls.size(), 1u);
  const HttpCall& call = transport_.calls[0];
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "https://127.0.0.1:8443/adfs/oauth2/token");
  EXPECT_EQ(*FindHeader(call.headers, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(call.body,
            "grant_type=client_credentials&client_id=app&client_secret=s%26cret&scope=https%3A%2F%"
            "2Fmanagement.gallery.local%2F%2F.default");
  EXPECT_EQ(saves_, 1);
  EXPECT_EQ(saved_.access_tokens.at(profile_.arm_resource).expires_on, kNow / 1000 + 3600);
}

TEST_F(TokenProviderTest, UserLoginUsesThePasswordGrant) {
  profile_.client_id.clear();
  profile_.user_name = "alice@x";
  profile_.password = "pw";
  RespondToken("t1");
  TokenCredentialProvider provider = Provider();
  ASSERT_TRUE(provider.GetToken().ok());
  EXPECT_EQ(transport_.calls[0].body.rfind("grant_type=password&username=alice%40x&password=pw", 0),
            0u)
      << transport_.calls[0].body;
}

TEST_F(TokenProviderTest, CachedTokenIsReusedUntilNearExpiry) {
  RespondToken("t1");
  RespondToken("t2");
  TokenCredentialProvider provider = Provider();
  EXPECT_EQ(**provider.GetToken(), "t1");
  clock_.Advance(50 * 60 * 1000);  // 10 minutes left: still fine
  EXPECT_EQ(**provider.GetToken(), "t1");
  EXPECT_EQ(transport_.calls.size(), 1u);
  clock_.Advance(6 * 60 * 1000);  // 4 minutes left: renew
  EXPECT_EQ(**provider.GetToken(), "t2");
  EXPECT_EQ(transport_.calls.size(), 2u);
}

TEST_F(TokenProviderTest, RefusalCarriesTheOAuthErrorAndDescription) {
  transport_.RespondJson(401, {{"error", "invalid_client"},
                               {"error_description", "AADSTS7000215: Invalid client secret."}});
  TokenCredentialProvider provider = Provider();
  Result<std::optional<std::string>> token = provider.GetToken();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(token.status().reason(), "invalid_client");
  EXPECT_EQ(token.status().message(), "AADSTS7000215: Invalid client secret.");
  EXPECT_EQ(saves_, 0);
}

TEST_F(TokenProviderTest, AnswerWithoutNumericExpiresInIsUnavailable) {
  transport_.RespondJson(200, {{"access_token", "t"}, {"expires_in", "3600"}});
  TokenCredentialProvider provider = Provider();
  EXPECT_EQ(provider.GetToken().status().code(), StatusCode::kUnavailable);
}

TEST_F(TokenProviderTest, ProfileWithoutAuthorityOrCredentialsIsFailedPrecondition) {
  profile_.authority.clear();
  TokenCredentialProvider provider = Provider();
  EXPECT_EQ(provider.GetToken().status().code(), StatusCode::kFailedPrecondition);
  profile_.authority = "https://127.0.0.1:8443/adfs";
  profile_.client_id.clear();
  EXPECT_EQ(provider.GetToken().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(transport_.calls.empty());
}

TEST_F(TokenProviderTest, DiscoveryReadsTheMetadataEndpoints) {
  Profile p;
  p.arm_endpoint = "https://127.0.0.1:8443/";
  transport_.RespondJson(200, {{"authentication",
                                {{"loginEndpoint", "https://127.0.0.1:8443/adfs/"},
                                 {"audiences", {"https://management.gallery.local/"}}}},
                               {"microsoftGraphResourceId", "https://127.0.0.1:8443/"}});
  ASSERT_TRUE(DiscoverAuthority(transport_, &p).ok());
  EXPECT_EQ(transport_.Requests()[0], "GET /metadata/endpoints?api-version=2022-09-01");
  EXPECT_EQ(p.authority, "https://127.0.0.1:8443/adfs");
  EXPECT_EQ(p.arm_resource, "https://management.gallery.local/");
  EXPECT_EQ(p.graph_resource, "https://127.0.0.1:8443/");
  transport_.Respond(404, "");
  EXPECT_EQ(DiscoverAuthority(transport_, &p).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gallery
