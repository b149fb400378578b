#include "access/token_service.h"

#include <gtest/gtest.h>

#include "access/jwt.h"
#include "access/test_directory.h"

namespace gallery::access {
namespace {

using nlohmann::json;
using Form = std::map<std::string, std::string, std::less<>>;
namespace t = testing;

constexpr char kArm[] = "https://management.gallery.local/";
constexpr char kGraph[] = "https://127.0.0.1:8443/";

class TokenServiceTest : public t::DirectoryFixture {
 protected:
  void SetUp() override {
    DirectoryFixture::SetUp();
    service_ = std::make_unique<TokenService>(
        *store_, t::SharedKey(), clock_,
        TokenServiceOptions{.issuer = "https://gallery.local/adfs", .arm_audience = kArm});
    service_->SetGraphAudience(kGraph);
  }
  Form SpForm(const std::string& scope = std::string(kArm) + "/.default") {
    return {{"grant_type", "client_credentials"},
            {"client_id", t::kSpApp},
            {"client_secret", t::kSpSecret},
            {"scope", scope}};
  }
  Form UserForm() {
    return {{"grant_type", "password"},
            {"client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"},
            {"username", t::kUserUpn},
            {"password", t::kUserPassword},
            {"scope", std::string(kArm) + "/.default offline_access openid profile"}};
  }
  json Claims(const IssuedToken& token) {
    Result<Jwt> jwt = DecodeVerifiedJwt(token.access_token, t::SharedKey());
    EXPECT_TRUE(jwt.ok()) << jwt.status().ToString();
    return jwt.ok() ? jwt->payload : json();
  }
  void ExpectError(const Result<IssuedToken>& r, StatusCode code, const std::string& error,
                   const std::string& aadsts) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code);
    EXPECT_EQ(r.status().reason(), error);
    EXPECT_EQ(r.status().message().rfind(aadsts, 0), 0u) << r.status().message();
  }
  std::unique_ptr<TokenService> service_;
};

TEST_F(TokenServiceTest, ClientCredentialsIssueAnArmTokenWithEveryClaim) {
  AddGroup("g1");
  AddMember("g1", t::kSpObject);
  Result<IssuedToken> issued = service_->Issue(SpForm());
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->token_type, "Bearer");
  EXPECT_EQ(issued->expires_in, 3600);
  EXPECT_EQ(issued->audience, kArm);
  EXPECT_TRUE(issued->id_token.empty());
  json c = Claims(*issued);
  const int64_t now = t::kNow / 1000;
  EXPECT_EQ(c["aud"], kArm);
  EXPECT_EQ(c["iss"], "https://gallery.local/adfs");
  EXPECT_EQ(c["tid"], t::kTenant);
  EXPECT_EQ(c["oid"], t::kSpObject);
  EXPECT_EQ(c["appid"], t::kSpApp);
  EXPECT_EQ(c["idtyp"], "app");
  EXPECT_FALSE(c.contains("upn"));
  EXPECT_EQ(c["iat"], now);
  EXPECT_EQ(c["nbf"], now);
  EXPECT_EQ(c["exp"], now + 3600);
  EXPECT_EQ(c["groups"], json::array({"g1"}));
}

TEST_F(TokenServiceTest, ScopeMayNameTheGraphAudienceOrUseResource) {
  Result<IssuedToken> graph = service_->Issue(SpForm("https://127.0.0.1:8443//.default"));
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_EQ(Claims(*graph)["aud"], kGraph);
  Form v1 = SpForm();
  v1.erase("scope");
  v1["resource"] = "HTTPS://MANAGEMENT.GALLERY.LOCAL";
  Result<IssuedToken> arm = service_->Issue(v1);
  ASSERT_TRUE(arm.ok()) << arm.status().ToString();
  EXPECT_EQ(Claims(*arm)["aud"], kArm);
}

TEST_F(TokenServiceTest, PasswordGrantIssuesAUserTokenAndAnIdToken) {
  AddGroup("g-inner");
  AddGroup("g-outer");
  AddMember("g-inner", t::kUserObject);
  AddMember("g-outer", "g-inner");
  Result<IssuedToken> issued = service_->Issue(UserForm());
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  json c = Claims(*issued);
  EXPECT_EQ(c["oid"], t::kUserObject);
  EXPECT_EQ(c["upn"], t::kUserUpn);
  EXPECT_EQ(c["idtyp"], "user");
  EXPECT_FALSE(c.contains("appid"));
  EXPECT_EQ(c["groups"], json::array({"g-inner", "g-outer"}));
  Result<Jwt> id = DecodeVerifiedJwt(issued->id_token, t::SharedKey());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->payload["preferred_username"], t::kUserUpn);
  EXPECT_EQ(id->payload["aud"], "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
}

TEST_F(TokenServiceTest, GroupsAreThoseAtIssueTime) {
  AddGroup("g1");
  AddMember("g1", t::kUserObject);
  EXPECT_EQ(Claims(*service_->Issue(UserForm()))["groups"], json::array({"g1"}));
  RemoveMember("g1", t::kUserObject);
  EXPECT_EQ(Claims(*service_->Issue(UserForm()))["groups"], json::array());
}

TEST_F(TokenServiceTest, WrongSecretAndUnknownClientAreTheSameInvalidClient) {
  Form wrong = SpForm();
  wrong["client_secret"] = "nope";
  ExpectError(service_->Issue(wrong), StatusCode::kUnauthenticated, "invalid_client",
              "AADSTS7000215:");
  Form unknown = SpForm();
  unknown["client_id"] = "no-such-app";
  Result<IssuedToken> r = service_->Issue(unknown);
  ExpectError(r, StatusCode::kUnauthenticated, "invalid_client", "AADSTS7000215:");
  EXPECT_EQ(r.status().message(), service_->Issue(wrong).status().message());
}

TEST_F(TokenServiceTest, EmptyClientIdIsAMissingParameter) {
  Form f = SpForm();
  f["client_id"] = "";
  ExpectError(service_->Issue(f), StatusCode::kInvalidArgument, "invalid_request", "AADSTS900144:");
}

TEST_F(TokenServiceTest, WrongPasswordAndUnknownUserAreTheSameInvalidGrant) {
  Form wrong = UserForm();
  wrong["password"] = "wrong password";
  ExpectError(service_->Issue(wrong), StatusCode::kUnauthenticated, "invalid_grant",
              "AADSTS50126:");
  Form unknown = UserForm();
  unknown["username"] = "mallory@contoso.example";
  ExpectError(service_->Issue(unknown), StatusCode::kUnauthenticated, "invalid_grant",
              "AADSTS50126:");
  Form sp_name = UserForm();
  sp_name["username"] = t::kSpApp;  // a service principal is not a user
  ExpectError(service_->Issue(sp_name), StatusCode::kUnauthenticated, "invalid_grant",
              "AADSTS50126:");
}

TEST_F(TokenServiceTest, MissingFieldsAreInvalidRequestNamingThem) {
  for (const char* field : {"client_id", "client_secret", "scope", "grant_type"}) {
    Form f = SpForm();
    f.erase(field);
    Result<IssuedToken> r = service_->Issue(f);
    ExpectError(r, StatusCode::kInvalidArgument, "invalid_request", "AADSTS900144:");
    EXPECT_NE(r.status().message().find(std::string("'") + field + "'"), std::string::npos)
        << r.status().message();
  }
  for (const char* field : {"username", "password"}) {
    Form f = UserForm();
    f.erase(field);
    ExpectError(service_->Issue(f), StatusCode::kInvalidArgument, "invalid_request",
                "AADSTS900144:");
  }
}

TEST_F(TokenServiceTest, UnsupportedGrantIsRefused) {
  Form f = SpForm();
  f["grant_type"] = "authorization_code";
  ExpectError(service_->Issue(f), StatusCode::kInvalidArgument, "unsupported_grant_type",
              "AADSTS70003:");
}

TEST_F(TokenServiceTest, UnknownScopeIsInvalidScope) {
  ExpectError(service_->Issue(SpForm("https://graph.microsoft.com//.default")),
              StatusCode::kInvalidArgument, "invalid_scope", "AADSTS70011:");
  ExpectError(service_->Issue(SpForm("openid profile")), StatusCode::kInvalidArgument,
              "invalid_scope", "AADSTS70011:");
}

TEST_F(TokenServiceTest, PrincipalOfADeletedTenantCannotSignIn) {
  // Move the principal to a tenant that does not exist.
  auto tx = Write();
  domain::Principal sp = **tx->GetPrincipal(t::kSpObject);
  sp.tenant_id = "gone";
  ASSERT_TRUE(tx->PutPrincipal(sp).ok());
  ASSERT_TRUE(tx->Commit().ok());
  ExpectError(service_->Issue(SpForm()), StatusCode::kUnauthenticated, "invalid_client",
              "AADSTS7000215:");
}

TEST(SameAudienceTest, IgnoresCaseAndTrailingSlashesButNotEmptiness) {
  EXPECT_TRUE(SameAudience("https://a.example/", "HTTPS://A.EXAMPLE"));
  EXPECT_TRUE(SameAudience("https://a.example//", "https://a.example/"));
  EXPECT_FALSE(SameAudience("https://a.example/x", "https://a.example/"));
  EXPECT_FALSE(SameAudience("", ""));
  EXPECT_FALSE(SameAudience("/", ""));
}

}  // namespace
}  // namespace gallery::access
