// Identity end to end over HTTPS: the ADFS-shaped token endpoint with both grants and every
// error, bearer authentication of ARM calls, the Graph subset, subscription aliases, and the
// `gallery ad` / `gallery login` commands against the real galleryd.

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "access/jwt.h"
#include "access/signing_key.h"
#include "arm_test_fixture.h"
#include "client/url.h"
#include "common/base64.h"

namespace gallery::testing {
namespace {

constexpr char kSubsApi[] = "2019-11-01";
constexpr char kAliasApi[] = "2021-10-01";

// The claims of a JWT (not verified: the server did that).
json Claims(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  std::optional<std::string> payload = Base64UrlDecode(token.substr(a + 1, b - a - 1));
  return payload.has_value() ? json::parse(*payload, nullptr, false) : json();
}

class IdentityTest : public ArmFixture {
 protected:
  void SetUp() override { StartServer(); }

  std::string Graph() const { return server_->GraphResource(); }
  std::string AdminGraphToken() {
    Result<std::string> t = server_->AdminToken(Graph());
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : "";
  }
  // A Graph call as the administrator (or with `token`).
  HttpResult GraphCall(const std::string& method, const std::string& path,
                       const json& body = nullptr, std::string token = "") {
    if (token.empty()) {
      token = AdminGraphToken();
    }
    auto client = server_->ClientWithToken(token);
    return SendRequest(*client, method, path, body.is_null() ? "" : body.dump());
  }
  HttpResult TokenRequest(const std::string& form) {
    auto anonymous = server_->ClientWithToken("");
    return PostTokenForm(*anonymous, form);
  }
  std::string SpForm(const std::string& secret) {
    return "grant_type=client_credentials&client_id=" + bootstrap_["clientId"].get<std::string>() +
           "&client_secret=" + PercentEncode(secret) +
           "&scope=" + PercentEncode(server_->ArmResource() + "/.default");
  }
  // Creates a user through Graph; returns its object id.
  std::string CreateUser(const std::string& upn, const std::string& password) {
    HttpResult r = GraphCall("POST", "/v1.0/users",
                             {{"accountEnabled", true},
                              {"displayName", upn},
                              {"mailNickname", upn.substr(0, upn.find('@'))},
                              {"userPrincipalName", upn},
                              {"passwordProfile", {{"password", password}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r).value("id", "");
  }
  // Makes `object_id` a Reader of the bootstrap subscription (a user sees only subscriptions
  // where it holds a role).
  void GrantSubscriptionReader(const std::string& object_id) {
    const std::string scope = "/subscriptions/" + bootstrap_["subscriptionId"].get<std::string>();
    auto admin = server_->Client();
    HttpResult r = SendRequest(
        *admin, "PUT",
        scope + "/providers/Microsoft.Authorization/roleAssignments/"
                "6f1c2a0e-4b59-4a7e-9d0f-0a1b2c3d4e5f?api-version=2022-04-01",
        json{{"properties",
              {{"roleDefinitionId", scope + "/providers/Microsoft.Authorization/roleDefinitions/"
                                            "acdd72a7-3385-48ef-bd42-f606fba81ae7"},
               {"principalId", object_id}}}}
            .dump());
    EXPECT_EQ(r.status, 201) << r.body;
  }
  std::string CreateGroup(const std::string& name) {
    HttpResult r = GraphCall("POST", "/v1.0/groups", {{"displayName", name}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r).value("id", "");
  }
  static void ExpectUnauthorized(const HttpResult& r, const std::string& code) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(Body(r)["error"]["code"], code) << r.body;
    const std::string challenge = r.Header("WWW-Authenticate").value_or("");
    EXPECT_EQ(challenge.rfind("Bearer authorization_uri=\"https://127.0.0.1:", 0), 0u) << challenge;
    EXPECT_NE(challenge.find("/adfs\", error=\"invalid_token\""), std::string::npos) << challenge;
  }
  // A token signed with the installation's key (read from the data directory) for `claims`.
  std::string SignWithServerKey(const json& claims) {
    Result<std::string> pem = ReadFile(server_->options().data_dir / "token-signing-key.pem");
    EXPECT_TRUE(pem.ok());
    auto key = access::SigningKey::FromPem(*pem);
    EXPECT_TRUE(key.ok());
    return *access::EncodeJwt(claims, **key);
  }
};

// ---------------------------------------------------------------- discovery and cloud file

TEST_F(IdentityTest, OpenIdConfigurationAndCloudDefinitionNameThisServer) {
  auto anonymous = server_->ClientWithToken("");
  HttpResult config = SendRequest(*anonymous, "GET", "/adfs/.well-known/openid-configuration");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_EQ(Body(config)["token_endpoint"], server_->endpoint() + "/adfs/oauth2/token");
  HttpResult keys = SendRequest(*anonymous, "GET", "/adfs/discovery/keys");
  ASSERT_EQ(keys.status, 200);
  EXPECT_EQ(Body(keys)["keys"][0]["kty"], "RSA");

  json cloud = json::parse(ReadOrEmpty(server_->cloud_file()));
  EXPECT_EQ(cloud["profile"], "latest");
  EXPECT_EQ(cloud["endpoints"]["resourceManager"], server_->endpoint() + "/");
  EXPECT_EQ(cloud["endpoints"]["activeDirectory"], server_->endpoint() + "/adfs");
  EXPECT_EQ(cloud["endpoints"]["microsoftGraphResourceId"], server_->endpoint() + "/");
  EXPECT_FALSE(cloud["endpoints"]["activeDirectoryResourceId"].get<std::string>().empty());
  struct stat st {};
  ASSERT_EQ(::stat((server_->options().data_dir / "token-signing-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// ---------------------------------------------------------------- token endpoint

TEST_F(IdentityTest, ClientCredentialsGrantIssuesASignedArmToken) {
  HttpResult r = TokenRequest(SpForm(bootstrap_["clientSecret"].get<std::string>()));
  ASSERT_EQ(r.status, 200) << r.body;
  json t = Body(r);
  ASSERT_TRUE(t["expires_in"].is_number());
  EXPECT_GE(t["expires_in"].get<int64_t>(), 3600);
  json claims = Claims(t["access_token"]);
  EXPECT_EQ(claims["aud"], server_->ArmResource());
  EXPECT_EQ(claims["tid"], bootstrap_["tenantId"]);
  EXPECT_EQ(claims["appid"], bootstrap_["clientId"]);
  EXPECT_TRUE(claims["groups"].is_array());
}

TEST_F(IdentityTest, PasswordGrantIssuesAUserToken) {
  const std::string oid = CreateUser("alice@contoso.example", "alice-password");
  Result<std::string> token = server_->UserToken("alice@contoso.example", "alice-password");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  json claims = Claims(*token);
  EXPECT_EQ(claims["oid"], oid);
  EXPECT_EQ(claims["upn"], "alice@contoso.example");
  // The user may list the subscriptions of its tenant.
  auto as_alice = server_->ClientWithToken(*token);
  HttpResult subs = SendRequest(*as_alice, "GET", Q("/subscriptions", kSubsApi));
  EXPECT_EQ(subs.status, 200) << subs.body;
}

TEST_F(IdentityTest, TenantsListsOnlyTheCallersTenant) {
  CreateUser("tess@contoso.example", "tess-password");
  Result<std::string> token = server_->UserToken("tess@contoso.example", "tess-password");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  // What az login -u sends before it lists subscriptions.
  auto as_tess = server_->ClientWithToken(*token);
  HttpResult r = SendRequest(*as_tess, "GET", "/tenants?api-version=2019-11-01");
  ASSERT_EQ(r.status, 200) << r.body;
  json value = Body(r)["value"];
  ASSERT_EQ(value.size(), 1u) << r.body;
  EXPECT_EQ(value[0]["tenantId"], bootstrap_["tenantId"]);
  EXPECT_EQ(value[0]["id"], "/tenants/" + bootstrap_["tenantId"].get<std::string>());
  auto anonymous = server_->ClientWithToken("");
  EXPECT_EQ(SendRequest(*anonymous, "GET", "/tenants?api-version=2019-11-01").status, 401);
  EXPECT_EQ(SendRequest(*as_tess, "GET", "/tenants").status, 400);  // api-version required
}

TEST_F(IdentityTest, TokenEndpointErrors) {
  CreateUser("bob@contoso.example", "bob-password");
  struct Case {
    std::string form;
    int status;
    std::string error;
    std::string aadsts;
  };
  const std::string arm_scope = "&scope=" + PercentEncode(server_->ArmResource() + "/.default");
  const std::vector<Case> cases = {
      {SpForm("wrong-secret"), 401, "invalid_client", "AADSTS7000215"},
      {"grant_type=client_credentials&client_id=unknown&client_secret=x" + arm_scope, 401,
       "invalid_client", "AADSTS7000215"},
      {"grant_type=password&username=bob%40contoso.example&password=nope" + arm_scope, 400,
       "invalid_grant", "AADSTS50126"},
      {"grant_type=password&username=nobody%40contoso.example&password=x" + arm_scope, 400,
       "invalid_grant", "AADSTS50126"},
      {"grant_type=device_code" + arm_scope, 400, "unsupported_grant_type", "AADSTS70003"},
      {"grant_type=client_credentials&client_id=x" + arm_scope, 400, "invalid_request",
       "AADSTS900144"},
      {"client_id=x&client_secret=y" + arm_scope, 400, "invalid_request", "AADSTS900144"},
      {"grant_type=client_credentials&client_id=" + bootstrap_["clientId"].get<std::string>() +
           "&client_secret=" + PercentEncode(bootstrap_["clientSecret"].get<std::string>()) +
           "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
       400, "invalid_scope", "AADSTS70011"},
  };
  for (const Case& c : cases) {
    HttpResult r = TokenRequest(c.form);
    EXPECT_EQ(r.status, c.status) << c.form << " -> " << r.body;
    json body = Body(r);
    EXPECT_EQ(body["error"], c.error) << r.body;
    EXPECT_EQ(body["error_description"].get<std::string>().rfind(c.aadsts, 0), 0u) << r.body;
  }
  // A JSON body is not a token request.
  auto anonymous = server_->ClientWithToken("");
  HttpResult json_body = SendRequest(*anonymous, "POST", "/adfs/oauth2/token", "{}");
  EXPECT_EQ(json_body.status, 400);
  EXPECT_EQ(Body(json_body)["error"], "invalid_request");
}

// ---------------------------------------------------------------- bearer authentication

TEST_F(IdentityTest, ArmCallWithoutATokenIsAuthenticationFailed) {
  auto anonymous = server_->ClientWithToken("");
  ExpectUnauthorized(SendRequest(*anonymous, "GET", Q("/subscriptions", kSubsApi)),
                     "AuthenticationFailed");
  ExpectUnauthorized(
      SendRequest(*anonymous, "PUT", Q(Rg("rg1"), kRgApi), R"({"location":"westus"})"),
      "AuthenticationFailed");
}

TEST_F(IdentityTest, TamperedTokenIsInvalidAuthenticationToken) {
  Result<std::string> token = server_->AdminToken();
  ASSERT_TRUE(token.ok());
  // Change the payload (another object id) and keep the signature.
  const size_t a = token->find('.');
  const size_t b = token->find('.', a + 1);
  json claims = Claims(*token);
  claims["oid"] = "00000000-0000-0000-0000-000000000001";
  const std::string forged =
      token->substr(0, a + 1) + Base64UrlEncode(claims.dump()) + token->substr(b);
  auto client = server_->ClientWithToken(forged);
  ExpectUnauthorized(SendRequest(*client, "GET", Q("/subscriptions", kSubsApi)),
                     "InvalidAuthenticationToken");
  auto garbage = server_->ClientWithToken("not-a-token");
  ExpectUnauthorized(SendRequest(*garbage, "GET", Q("/subscriptions", kSubsApi)),
                     "InvalidAuthenticationToken");
}

TEST_F(IdentityTest, ExpiredTokenIsExpiredAuthenticationToken) {
  Result<std::string> fresh = server_->AdminToken();
  json claims = Claims(*fresh);
  const int64_t now = claims["iat"].get<int64_t>();
  claims["iat"] = now - 7200;
  claims["nbf"] = now - 7200;
  claims["exp"] = now - 3600;
  auto client = server_->ClientWithToken(SignWithServerKey(claims));
  HttpResult r = SendRequest(*client, "GET", Q("/subscriptions", kSubsApi));
  ExpectUnauthorized(r, "ExpiredAuthenticationToken");
  // The same claims, still valid, are accepted: only the expiry was wrong.
  claims["exp"] = now + 600;
  auto valid = server_->ClientWithToken(SignWithServerKey(claims));
  EXPECT_EQ(SendRequest(*valid, "GET", Q("/subscriptions", kSubsApi)).status, 200);
}

TEST_F(IdentityTest, TokenForOneAudienceIsRefusedByTheOther) {
  auto graph_token_at_arm = server_->ClientWithToken(AdminGraphToken());
  ExpectUnauthorized(SendRequest(*graph_token_at_arm, "GET", Q("/subscriptions", kSubsApi)),
                     "InvalidAuthenticationToken");
  HttpResult arm_token_at_graph = GraphCall("GET", "/v1.0/users", nullptr, *server_->AdminToken());
  EXPECT_EQ(arm_token_at_graph.status, 401) << arm_token_at_graph.body;
  EXPECT_EQ(Body(arm_token_at_graph)["error"]["code"], "InvalidAuthenticationToken");
}

TEST_F(IdentityTest, DeletedUsersTokenStopsWorkingAtOnce) {
  const std::string oid = CreateUser("carol@contoso.example", "carol-password");
  Result<std::string> token = server_->UserToken("carol@contoso.example", "carol-password");
  ASSERT_TRUE(token.ok());
  auto as_carol = server_->ClientWithToken(*token);
  ASSERT_EQ(SendRequest(*as_carol, "GET", Q("/subscriptions", kSubsApi)).status, 200);
  HttpResult del = GraphCall("DELETE", "/v1.0/users/" + oid);
  ASSERT_EQ(del.status, 204) << del.body;
  ExpectUnauthorized(SendRequest(*as_carol, "GET", Q("/subscriptions", kSubsApi)),
                     "InvalidAuthenticationToken");
}

TEST_F(IdentityTest, UserRemovedFromAGroupGetsATokenWithoutIt) {
  const std::string oid = CreateUser("dave@contoso.example", "dave-password");
  const std::string inner = CreateGroup("inner");
  const std::string outer = CreateGroup("outer");
  auto member_ref = [](const std::string& id) {
    return json{{"@odata.id", "https://graph.microsoft.com/v1.0/directoryObjects/" + id}};
  };
  ASSERT_EQ(GraphCall("POST", "/v1.0/groups/" + inner + "/members/$ref", member_ref(oid)).status,
            204);
  ASSERT_EQ(GraphCall("POST", "/v1.0/groups/" + outer + "/members/$ref", member_ref(inner)).status,
            204);
  json with = Claims(*server_->UserToken("dave@contoso.example", "dave-password"));
  std::vector<std::string> expected = {inner, outer};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(with["groups"], json(expected));
  ASSERT_EQ(GraphCall("DELETE", "/v1.0/groups/" + inner + "/members/" + oid + "/$ref").status, 204);
  json without = Claims(*server_->UserToken("dave@contoso.example", "dave-password"));
  EXPECT_EQ(without["groups"], json::array());
}

// ---------------------------------------------------------------- Graph

TEST_F(IdentityTest, GraphQueriesAzUses) {
  const std::string oid = CreateUser("erin@contoso.example", "erin-password");
  HttpResult users =
      GraphCall("GET", "/v1.0/users?$filter=userPrincipalName%20eq%20%27erin%40contoso.example%27");
  ASSERT_EQ(users.status, 200) << users.body;
  ASSERT_EQ(Body(users)["value"].size(), 1u);
  EXPECT_EQ(Body(users)["value"][0]["id"], oid);
  const std::string app = bootstrap_["clientId"].get<std::string>();
  HttpResult sps = GraphCall(
      "GET", "/v1.0/servicePrincipals?$filter=servicePrincipalNames%2Fany%28c%3Ac%20eq%20%27" +
                 app + "%27%29");
  ASSERT_EQ(sps.status, 200) << sps.body;
  ASSERT_EQ(Body(sps)["value"].size(), 1u);
  EXPECT_EQ(Body(sps)["value"][0]["appId"], app);
  HttpResult by_ids = GraphCall(
      "POST", "/v1.0/directoryObjects/getByIds",
      {{"ids", {oid, "unknown"}},
       {"types", {"user", "group", "servicePrincipal", "directoryObjectPartnerReference"}}});
  ASSERT_EQ(by_ids.status, 200) << by_ids.body;
  ASSERT_EQ(Body(by_ids)["value"].size(), 1u);
  EXPECT_EQ(Body(by_ids)["value"][0]["@odata.type"], "#microsoft.graph.user");
  CreateGroup("readers");
  HttpResult groups = GraphCall("GET", "/v1.0/groups");
  EXPECT_EQ(Body(groups)["value"].size(), 1u);
  HttpResult bad = GraphCall("GET", "/v1.0/users?$filter=mail%20ne%20%27x%27");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["code"], "Request_UnsupportedQuery");
}

// ---------------------------------------------------------------- admin API

TEST_F(IdentityTest, OnlyADirectoryAdminCreatesObjectsAndSubscriptions) {
  CreateUser("frank@contoso.example", "frank-password");
  std::string graph_token = *server_->UserToken("frank@contoso.example", "frank-password", Graph());
  HttpResult denied = GraphCall("POST", "/v1.0/groups", {{"displayName", "x"}}, graph_token);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(Body(denied)["error"]["code"], "Authorization_RequestDenied");
  auto as_frank =
      server_->ClientWithToken(*server_->UserToken("frank@contoso.example", "frank-password"));
  HttpResult alias =
      SendRequest(*as_frank, "PUT", Q("/providers/Microsoft.Subscription/aliases/frank", kAliasApi),
                  R"({"properties":{"displayName":"Frank"}})");
  ExpectError(alias, 403, "AuthorizationFailed");
}

TEST_F(IdentityTest, SubscriptionAliasCreatesAUsableSubscription) {
  HttpResult created =
      Call("PUT", Q("/providers/Microsoft.Subscription/aliases/team-a", kAliasApi),
           {{"properties", {{"displayName", "Team A"}, {"workload", "Production"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string sub = Body(created)["properties"]["subscriptionId"];
  HttpResult again = Call("PUT", Q("/providers/Microsoft.Subscription/aliases/team-a", kAliasApi),
                          {{"properties", {{"displayName", "Team A"}}}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Body(again)["properties"]["subscriptionId"], sub);
  HttpResult subs = Call("GET", Q("/subscriptions", kSubsApi));
  EXPECT_EQ(Body(subs)["value"].size(), 2u);
  HttpResult rg = Call("PUT", Q("/subscriptions/" + sub + "/resourceGroups/rg1", kRgApi),
                       {{"location", kSouthCentral}});
  EXPECT_EQ(rg.status, 201) << rg.body;
}

// ---------------------------------------------------------------- restarts

TEST_F(IdentityTest, TokenStaysValidAcrossARestartBecauseTheKeyIsReused) {
  Result<std::string> token = server_->AdminToken();
  ASSERT_TRUE(token.ok());
  const std::string kid_before = ReadOrEmpty(server_->options().data_dir / "token-signing-key.pem");
  StartServer();
  EXPECT_EQ(ReadOrEmpty(server_->options().data_dir / "token-signing-key.pem"), kid_before);
  auto client = server_->ClientWithToken(*token);
  HttpResult subs = SendRequest(*client, "GET", Q("/subscriptions", kSubsApi));
  EXPECT_EQ(subs.status, 200) << subs.body;
  // The cloud definition follows the new endpoint.
  json cloud = json::parse(ReadOrEmpty(server_->cloud_file()));
  EXPECT_EQ(cloud["endpoints"]["resourceManager"], server_->endpoint() + "/");
}

// ---------------------------------------------------------------- the gallery CLI

class IdentityCliTest : public IdentityTest {
 protected:
  CommandResult Gallery(std::vector<std::string> args) {
    return RunGallery(std::move(args), dir_.path() / "cfg", dir_.path());
  }
  json Json(const std::vector<std::string>& args) {
    CommandResult r = Gallery(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    return j.is_discarded() ? json() : j;
  }
};

TEST_F(IdentityCliTest, AdCommandsEndToEnd) {
  ASSERT_EQ(
      Gallery({"login", "--bootstrap", server_->bootstrap_file().string(), "-o", "none"}).exit_code,
      0);
  json user = Json({"ad", "user", "create", "--upn", "gina@contoso.example", "--display-name",
                    "Gina", "--password", "gina-password"});
  ASSERT_TRUE(user.contains("id")) << user;
  json sp = Json({"ad", "sp", "create", "--name", "pipeline"});
  ASSERT_TRUE(sp.contains("password")) << sp;
  EXPECT_EQ(sp["tenant"], bootstrap_["tenantId"]);
  json group = Json({"ad", "group", "create", "--name", "builders"});
  const std::string gid = group["id"];
  EXPECT_EQ(Gallery({"ad", "group", "member", "add", "--group", gid, "--member-id",
                     sp["objectId"].get<std::string>()})
                .exit_code,
            0);
  EXPECT_EQ(Gallery({"ad", "group", "member", "add", "--group", gid, "--member-id",
                     user["id"].get<std::string>()})
                .exit_code,
            0);
  EXPECT_EQ(Json({"ad", "group", "member", "list", "--group", gid}).size(), 2u);
  EXPECT_EQ(Gallery({"ad", "group", "member", "remove", "--group", gid, "--member-id",
                     user["id"].get<std::string>()})
                .exit_code,
            0);
  EXPECT_EQ(Json({"ad", "group", "member", "list", "--group", gid}).size(), 1u);
  EXPECT_EQ(Json({"ad", "user", "list"}).size(), 1u);
  EXPECT_EQ(Json({"ad", "sp", "list"}).size(), 2u);
  EXPECT_EQ(Json({"ad", "group", "list"}).size(), 1u);

  // The new service principal logs in with its secret, and is in the group at once.
  Result<std::string> sp_token =
      server_->ClientToken(sp["appId"].get<std::string>(), sp["password"].get<std::string>());
  ASSERT_TRUE(sp_token.ok()) << sp_token.status().ToString();
  EXPECT_EQ(Claims(*sp_token)["groups"], json::array({gid}));

  // A subscription created from the CLI joins the profile.
  json alias = Json({"account", "subscription", "create", "--name", "team-b"});
  const std::string sub = alias["properties"]["subscriptionId"];
  EXPECT_EQ(Json({"account", "list"}).size(), 2u);
  EXPECT_EQ(Gallery({"group", "create", "-n", "rg1", "-l", kSouthCentral, "--subscription", sub,
                     "-o", "none"})
                .exit_code,
            0);
}

TEST_F(IdentityCliTest, UserLoginAndANonAdminIsRefused) {
  const std::string hank = CreateUser("hank@contoso.example", "hank-password");
  const std::vector<std::string> login_args = {
      "login",      "--endpoint", server_->endpoint() + "/", "--ca-cert", server_->ca_file().string(),
      "--username", "hank@contoso.example", "--password", "hank-password"};
  // Without any role, no subscription is visible to the user: login says so.
  CommandResult roleless = Gallery(login_args);
  EXPECT_EQ(roleless.exit_code, 1);
  EXPECT_NE(roleless.err.find("(SubscriptionNotFound)"), std::string::npos) << roleless.err;
  GrantSubscriptionReader(hank);
  CommandResult login = Gallery(login_args);
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_EQ(json::parse(login.out)["user"]["type"], "user");
  CommandResult denied = Gallery({"ad", "group", "create", "--name", "x"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("(Authorization_RequestDenied)"), std::string::npos) << denied.err;
  CommandResult wrong = Gallery({"login", "--endpoint", server_->endpoint() + "/", "--ca-cert",
                                 server_->ca_file().string(), "--username", "hank@contoso.example",
                                 "--password", "wrong-password"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("(invalid_grant) AADSTS50126"), std::string::npos) << wrong.err;
  CommandResult logout = Gallery({"logout"});
  EXPECT_EQ(logout.exit_code, 0);
  EXPECT_NE(Gallery({"group", "list"}).err.find("gallery login"), std::string::npos);
}

TEST_F(IdentityCliTest, SavedTokenStillWorksAfterARestart) {
  ASSERT_EQ(
      Gallery({"login", "--bootstrap", server_->bootstrap_file().string(), "-o", "none"}).exit_code,
      0);
  json profile = json::parse(ReadOrEmpty(dir_.path() / "cfg" / "profile.json"));
  const std::string token = profile["accessTokens"][server_->ArmResource()]["accessToken"];
  ASSERT_FALSE(token.empty());
  StartServer();
  // The server came back on another port: point the profile there, keeping its cached token.
  profile["armEndpoint"] = server_->endpoint() + "/";
  profile["authority"] = server_->endpoint() + "/adfs";
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "cfg" / "profile.json", profile.dump(), 0600).ok());
  CommandResult listed = Gallery({"group", "list", "-o", "none"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  json after = json::parse(ReadOrEmpty(dir_.path() / "cfg" / "profile.json"));
  EXPECT_EQ(after["accessTokens"][server_->ArmResource()]["accessToken"], token)
      << "the CLI should have used the token issued before the restart";
  // And a fresh login against the restarted server works too.
  EXPECT_EQ(
      Gallery({"login", "--bootstrap", server_->bootstrap_file().string(), "-o", "none"}).exit_code,
      0);
}

}  // namespace
}  // namespace gallery::testing
