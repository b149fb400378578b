// The HTTP faces of identity without sockets: the ADFS-shaped token endpoint, bearer
// authentication, the Graph subset and subscription aliases, over a real SQLite store.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "access/secret_hash.h"
#include "access/signing_key.h"
#include "access/token_service.h"
#include "access/token_validator.h"
#include "api/bearer_authenticator.h"
#include "api/graph_api.h"
#include "api/subscription_alias_api.h"
#include "api/token_endpoint.h"
#include "api/url.h"
#include "metadata/sqlite_store.h"
#include "service/test_store.h"
#include "service/bootstrap.h"

namespace gallery::api {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

constexpr char kEndpoint[] = "https://127.0.0.1:8443/";
constexpr char kArm[] = "https://management.gallery.local/";

const access::SigningKey& Key() {
  static const std::unique_ptr<access::SigningKey> key = std::move(*access::SigningKey::Generate());
  return *key;
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    out += (out.empty() ? "" : "&") + k + "=" + UrlEncode(v);
  }
  return out;
}

class IdentityApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = service::test_support::FreshTestDir("gallery-identity-api-test");
    ASSERT_NO_FATAL_FAILURE(
        service::test_support::OpenBootstrapped(dir_, clock_, *random_, store_, boot_));
    tokens_ = std::make_unique<access::TokenService>(
        *store_, Key(), clock_, access::TokenServiceOptions{.arm_audience = kArm});
    tokens_->SetGraphAudience(kEndpoint);
    validator_ = std::make_unique<access::TokenValidator>(
        *store_, Key(), clock_, access::TokenValidatorOptions{.issuer = tokens_->options().issuer});
    arm_auth_ = std::make_unique<BearerTokenAuthenticator>(
        *validator_, [] { return std::vector<std::string>{kArm}; });
    arm_auth_->SetAuthority(std::string(kEndpoint) + "adfs");
    graph_auth_ = std::make_unique<BearerTokenAuthenticator>(
        *validator_, [this] { return std::vector<std::string>{tokens_->GraphAudience()}; });
    directory_ = std::make_unique<service::DirectoryService>(*store_, clock_, *random_);
    endpoint_ = std::make_unique<TokenEndpoint>(*tokens_, Key(), "https://fallback:1");
    graph_ = std::make_unique<GraphApi>(*directory_, *graph_auth_, *random_);
    aliases_ = std::make_unique<SubscriptionAliasApi>(*directory_, *arm_auth_);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static HttpRequest Request(http::verb method, const std::string& target,
                             const std::string& body = "", const std::string& token = "",
                             const std::string& type = "application/json") {
    HttpRequest req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:8443");
    if (!token.empty()) {
      req.set(http::field::authorization, "Bearer " + token);
    }
    if (!body.empty()) {
      req.set(http::field::content_type, type);
      req.body() = body;
    }
    req.prepare_payload();
    return req;
  }
  HttpResponse Token(const std::string& form,
                     const std::string& type = "application/x-www-form-urlencoded") {
    return endpoint_->Handle(Request(http::verb::post, "/adfs/oauth2/token", form, "", type), {});
  }
  // A token of the bootstrap administrator for `resource`.
  std::string AdminToken(const std::string& resource = kArm) {
    HttpResponse r = Token(Form({{"grant_type", "client_credentials"},
                                 {"client_id", boot_.client_id},
                                 {"client_secret", boot_secret()},
                                 {"scope", resource + "/.default"}}));
    EXPECT_EQ(r.result(), http::status::ok) << r.body();
    return json::parse(r.body())["access_token"];
  }
  std::string boot_secret() {
    // The bootstrap secret exists only at first start; give the admin a known one.
    if (secret_.empty()) {
      auto tx = std::move(*store_->Begin(metadata::TxMode::kWrite));
      domain::Principal admin = **tx->GetPrincipal(boot_.object_id);
      secret_ = "admin-secret-value";
      admin.secret_hash = access::HashSecret(secret_, *random_, 1000);
      EXPECT_TRUE(tx->PutPrincipal(admin).ok());
      EXPECT_TRUE(tx->Commit().ok());
    }
    return secret_;
  }
  HttpResponse Graph(http::verb method, const std::string& target, const json& body = nullptr,
                     std::string token = "") {
    if (token.empty()) {
      token = AdminToken(kEndpoint);
    }
    return graph_->Handle(Request(method, target, body.is_null() ? "" : body.dump(), token), {});
  }
  static json Body(const HttpResponse& r) { return json::parse(r.body(), nullptr, false); }

  std::filesystem::path dir_;
  FakeClock clock_{1'800'000'000'000};
  std::unique_ptr<Random> random_ = NewSystemRandom();
  std::unique_ptr<metadata::MetadataStore> store_;
  service::BootstrapIdentity boot_;
  std::string secret_;
  std::unique_ptr<access::TokenService> tokens_;
  std::unique_ptr<access::TokenValidator> validator_;
  std::unique_ptr<BearerTokenAuthenticator> arm_auth_;
  std::unique_ptr<BearerTokenAuthenticator> graph_auth_;
  std::unique_ptr<service::DirectoryService> directory_;
  std::unique_ptr<TokenEndpoint> endpoint_;
  std::unique_ptr<GraphApi> graph_;
  std::unique_ptr<SubscriptionAliasApi> aliases_;
};

// ---------------------------------------------------------------- token endpoint

TEST_F(IdentityApiTest, OpenIdConfigurationNamesTheEndpointsOnTheCalledHost) {
  EXPECT_TRUE(TokenEndpoint::Serves("/adfs/.well-known/openid-configuration"));
  EXPECT_TRUE(TokenEndpoint::Serves("/ADFS/oauth2/token?x=1"));
  EXPECT_TRUE(TokenEndpoint::Serves("/metadata/endpoints?api-version=2015-01-01"));
  EXPECT_FALSE(TokenEndpoint::Serves("/adfsx"));
  EXPECT_FALSE(TokenEndpoint::Serves("/subscriptions"));
  HttpResponse r =
      endpoint_->Handle(Request(http::verb::get, "/adfs/.well-known/openid-configuration"), {});
  ASSERT_EQ(r.result(), http::status::ok);
  json c = Body(r);
  EXPECT_EQ(c["token_endpoint"], "https://127.0.0.1:8443/adfs/oauth2/token");
  EXPECT_EQ(c["authorization_endpoint"], "https://127.0.0.1:8443/adfs/oauth2/authorize");
  EXPECT_EQ(c["jwks_uri"], "https://127.0.0.1:8443/adfs/discovery/keys");
  EXPECT_EQ(c["issuer"], tokens_->options().issuer);
}

TEST_F(IdentityApiTest, JwksPublishesThePublicKey) {
  HttpResponse r = endpoint_->Handle(Request(http::verb::get, "/adfs/discovery/keys"), {});
  ASSERT_EQ(r.result(), http::status::ok);
  json keys = Body(r)["keys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["kid"], Key().kid());
  EXPECT_FALSE(keys[0].contains("d"));
}

TEST_F(IdentityApiTest, MetadataEndpointsGiveTheAuthorityAndAudiences) {
  HttpResponse r =
      endpoint_->Handle(Request(http::verb::get, "/metadata/endpoints?api-version=2015-01-01"), {});
  ASSERT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(Body(r)["authentication"]["loginEndpoint"], "https://127.0.0.1:8443/adfs");
  EXPECT_EQ(Body(r)["authentication"]["audiences"][0], kArm);
}

TEST_F(IdentityApiTest, TokenAnswerHasANumericExpiresInAndNoCaching) {
  HttpResponse r = Token(Form({{"client_id", boot_.client_id},
                               {"grant_type", "client_credentials"},
                               {"client_info", "1"},
                               {"client_secret", boot_secret()},
                               {"claims", R"({"access_token": {"xms_cc": {"values": ["CP1"]}}})"},
                               {"scope", std::string(kArm) + "/.default"}}));
  ASSERT_EQ(r.result(), http::status::ok) << r.body();
  json t = Body(r);
  EXPECT_TRUE(t["expires_in"].is_number_integer());
  EXPECT_GE(t["expires_in"].get<int64_t>(), 3600);
  EXPECT_EQ(t["token_type"], "Bearer");
  EXPECT_EQ(r[http::field::cache_control], "no-store");
}

TEST_F(IdentityApiTest, TokenErrorsHaveOAuthShapeAndStatus) {
  struct Case {
    std::string form;
    http::status status;
    std::string error;
  };
  const std::vector<Case> cases = {
      {Form({{"grant_type", "client_credentials"},
             {"client_id", boot_.client_id},
             {"client_secret", "wrong"},
             {"scope", std::string(kArm) + "/.default"}}),
       http::status::unauthorized, "invalid_client"},
      {Form({{"grant_type", "client_credentials"},
             {"client_id", "unknown"},
             {"client_secret", "x"},
             {"scope", std::string(kArm) + "/.default"}}),
       http::status::unauthorized, "invalid_client"},
      {Form({{"grant_type", "password"},
             {"username", "nobody@x"},
             {"password", "x"},
             {"scope", std::string(kArm) + "/.default"}}),
       http::status::bad_request, "invalid_grant"},
      {Form({{"grant_type", "refresh_token"}}), http::status::bad_request,
       "unsupported_grant_type"},
      {Form({{"grant_type", "client_credentials"}}), http::status::bad_request, "invalid_request"},
      {Form({{"client_id", "x"}}), http::status::bad_request, "invalid_request"},
      {"%zz", http::status::bad_request, "invalid_request"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Token(c.form);
    EXPECT_EQ(r.result(), c.status) << c.form << " -> " << r.body();
    json body = Body(r);
    EXPECT_EQ(body["error"], c.error) << c.form;
    EXPECT_EQ(body["error_description"].get<std::string>().rfind("AADSTS", 0), 0u) << r.body();
  }
  HttpResponse wrong = Token(cases[0].form);
  EXPECT_NE(Body(wrong)["error_description"].get<std::string>().find("AADSTS7000215"),
            std::string::npos);
}

TEST_F(IdentityApiTest, TokenRequestMustBeAFormOfBoundedSize) {
  EXPECT_EQ(Body(Token("{}", "application/json"))["error"], "invalid_request");
  HttpResponse big = Token(std::string(kMaxTokenRequestBytes + 1, 'a'));
  EXPECT_EQ(big.result(), http::status::bad_request);
  EXPECT_EQ(Body(big)["error"], "invalid_request");
  HttpResponse get = endpoint_->Handle(Request(http::verb::get, "/adfs/oauth2/token"), {});
  EXPECT_EQ(get.result(), http::status::method_not_allowed);
  HttpResponse unknown = endpoint_->Handle(Request(http::verb::get, "/adfs/nothing"), {});
  EXPECT_EQ(unknown.result(), http::status::not_found);
}

// ---------------------------------------------------------------- bearer authentication

TEST_F(IdentityApiTest, BearerAuthenticatorRefusesMissingAndMalformedHeaders) {
  Result<domain::Caller> none = arm_auth_->Authenticate(Request(http::verb::get, "/x"));
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(none.status().reason(), "AuthenticationFailed");
  HttpRequest basic = Request(http::verb::get, "/x");
  basic.set(http::field::authorization, "Basic dXNlcjpwdw==");
  EXPECT_EQ(arm_auth_->Authenticate(basic).status().reason(), "AuthenticationFailed");
  HttpRequest empty = Request(http::verb::get, "/x");
  empty.set(http::field::authorization, "Bearer ");
  EXPECT_EQ(arm_auth_->Authenticate(empty).status().reason(), "AuthenticationFailed");
  EXPECT_EQ(
      arm_auth_->Authenticate(Request(http::verb::get, "/x", "", "not.a.jwt")).status().reason(),
      "InvalidAuthenticationToken");
  const std::string challenge = arm_auth_->Challenge(none.status());
  EXPECT_EQ(challenge.rfind("Bearer authorization_uri=\"https://127.0.0.1:8443/adfs\", "
                            "error=\"invalid_token\", error_description=\"",
                            0),
            0u)
      << challenge;
}

TEST_F(IdentityApiTest, BearerAuthenticatorAcceptsOnlyItsAudience) {
  Result<domain::Caller> arm =
      arm_auth_->Authenticate(Request(http::verb::get, "/x", "", AdminToken()));
  ASSERT_TRUE(arm.ok()) << arm.status().ToString();
  EXPECT_EQ(arm->object_id, boot_.object_id);
  EXPECT_EQ(arm_auth_->Authenticate(Request(http::verb::get, "/x", "", AdminToken(kEndpoint)))
                .status()
                .reason(),
            "InvalidAuthenticationToken");
  EXPECT_EQ(
      graph_auth_->Authenticate(Request(http::verb::get, "/x", "", AdminToken())).status().reason(),
      "InvalidAuthenticationToken");
}

// ---------------------------------------------------------------- Graph

TEST_F(IdentityApiTest, GraphCreatesAndFindsUsersByUpn) {
  EXPECT_TRUE(GraphApi::Serves("/v1.0/users"));
  EXPECT_FALSE(GraphApi::Serves("/v1.00/users"));
  HttpResponse created = Graph(http::verb::post, "/v1.0/users",
                               {{"accountEnabled", true},
                                {"displayName", "Alice"},
                                {"mailNickname", "alice"},
                                {"userPrincipalName", "alice@contoso.example"},
                                {"passwordProfile", {{"password", "password-1"}}}});
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  json user = Body(created);
  EXPECT_EQ(user["@odata.type"], "#microsoft.graph.user");
  EXPECT_EQ(user["userPrincipalName"], "alice@contoso.example");
  EXPECT_FALSE(user.contains("passwordProfile"));
  HttpResponse found = Graph(
      http::verb::get, "/v1.0/users?$filter=userPrincipalName%20eq%20%27ALICE@contoso.example%27");
  ASSERT_EQ(found.result(), http::status::ok) << found.body();
  ASSERT_EQ(Body(found)["value"].size(), 1u);
  EXPECT_EQ(Body(found)["value"][0]["id"], user["id"]);
  HttpResponse none =
      Graph(http::verb::get, "/v1.0/users?$filter=userPrincipalName%20eq%20%27bob@x%27");
  EXPECT_TRUE(Body(none)["value"].empty());
  HttpResponse bad = Graph(http::verb::get, "/v1.0/users?$filter=startswith(x,'y')");
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_EQ(Body(bad)["error"]["code"], "Request_UnsupportedQuery");
}

TEST_F(IdentityApiTest, GraphServicePrincipalsAreFoundByAppIdAndGetASecret) {
  HttpResponse created =
      Graph(http::verb::post, "/v1.0/servicePrincipals", {{"displayName", "ci"}});
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  json sp = Body(created);
  const std::string app = sp["appId"];
  EXPECT_EQ(sp["servicePrincipalNames"], json::array({app}));
  HttpResponse found =
      Graph(http::verb::get,
            "/v1.0/servicePrincipals?$filter=servicePrincipalNames%2Fany%28c%3Ac%20eq%20%27" + app +
                "%27%29");
  ASSERT_EQ(found.result(), http::status::ok) << found.body();
  ASSERT_EQ(Body(found)["value"].size(), 1u);
  HttpResponse secret = Graph(
      http::verb::post, "/v1.0/servicePrincipals/" + sp["id"].get<std::string>() + "/addPassword",
      {{"passwordCredential", {{"displayName", "ci"}}}});
  ASSERT_EQ(secret.result(), http::status::ok) << secret.body();
  const std::string text = Body(secret)["secretText"];
  // The new secret works at the token endpoint.
  HttpResponse token = Token(Form({{"grant_type", "client_credentials"},
                                   {"client_id", app},
                                   {"client_secret", text},
                                   {"scope", std::string(kArm) + "/.default"}}));
  EXPECT_EQ(token.result(), http::status::ok) << token.body();
  HttpResponse with_app = Graph(http::verb::post, "/v1.0/servicePrincipals", {{"appId", app}});
  EXPECT_EQ(with_app.result(), http::status::bad_request);
}

TEST_F(IdentityApiTest, GraphGroupMembersAddListRemove) {
  json group = Body(Graph(http::verb::post, "/v1.0/groups",
                          {{"displayName", "team"},
                           {"mailNickname", "team"},
                           {"securityEnabled", true},
                           {"mailEnabled", false}}));
  const std::string gid = group["id"];
  HttpResponse add = Graph(
      http::verb::post, "/v1.0/groups/" + gid + "/members/$ref",
      {{"@odata.id", "https://graph.microsoft.com/v1.0/directoryObjects/" + boot_.object_id}});
  EXPECT_EQ(add.result(), http::status::no_content) << add.body();
  json members = Body(Graph(http::verb::get, "/v1.0/groups/" + gid + "/members"));
  ASSERT_EQ(members["value"].size(), 1u);
  EXPECT_EQ(members["value"][0]["id"], boot_.object_id);
  HttpResponse remove =
      Graph(http::verb::delete_, "/v1.0/groups/" + gid + "/members/" + boot_.object_id + "/$ref");
  EXPECT_EQ(remove.result(), http::status::no_content) << remove.body();
  HttpResponse again =
      Graph(http::verb::delete_, "/v1.0/groups/" + gid + "/members/" + boot_.object_id + "/$ref");
  EXPECT_EQ(again.result(), http::status::not_found);
  EXPECT_EQ(Body(again)["error"]["code"], "Request_ResourceNotFound");
  json listed = Body(Graph(http::verb::get, "/v1.0/groups"));
  EXPECT_EQ(listed["value"].size(), 1u);
  json same = Body(Graph(http::verb::get,
                         "/v1.0/groups?$filter=displayName%20eq%20%27team%27%20and%20"
                         "mailNickname%20eq%20%27team%27"));
  EXPECT_EQ(same["value"].size(), 1u);
  json other = Body(Graph(http::verb::get,
                          "/v1.0/groups?$filter=displayName%20eq%20%27team%27%20and%20"
                          "mailNickname%20eq%20%27x%27"));
  EXPECT_TRUE(other["value"].empty());
}

TEST_F(IdentityApiTest, GraphGetByIdsFiltersByType) {
  json group = Body(Graph(http::verb::post, "/v1.0/groups", {{"displayName", "team"}}));
  HttpResponse r = Graph(http::verb::post, "/v1.0/directoryObjects/getByIds",
                         {{"ids", {group["id"], boot_.object_id, "unknown"}},
                          {"types", {"user", "group", "servicePrincipal"}}});
  ASSERT_EQ(r.result(), http::status::ok) << r.body();
  json value = Body(r)["value"];
  ASSERT_EQ(value.size(), 2u);
  EXPECT_EQ(value[0]["@odata.type"], "#microsoft.graph.group");
  EXPECT_EQ(value[1]["@odata.type"], "#microsoft.graph.servicePrincipal");
  json only_users = Body(Graph(http::verb::post, "/v1.0/directoryObjects/getByIds",
                               {{"ids", {group["id"], boot_.object_id}}, {"types", {"user"}}}));
  EXPECT_TRUE(only_users["value"].empty());
  HttpResponse no_ids = Graph(http::verb::post, "/v1.0/directoryObjects/getByIds", json::object());
  EXPECT_EQ(no_ids.result(), http::status::bad_request);
}

TEST_F(IdentityApiTest, GraphMeAndErrors) {
  json me = Body(Graph(http::verb::get, "/v1.0/me"));
  EXPECT_EQ(me["id"], boot_.object_id);
  HttpResponse no_token = graph_->Handle(Request(http::verb::get, "/v1.0/users"), {});
  EXPECT_EQ(no_token.result(), http::status::unauthorized);
  EXPECT_EQ(Body(no_token)["error"]["code"], "InvalidAuthenticationToken");
  EXPECT_FALSE(no_token[http::field::www_authenticate].empty());
  HttpResponse arm_token =
      graph_->Handle(Request(http::verb::get, "/v1.0/users", "", AdminToken()), {});
  EXPECT_EQ(arm_token.result(), http::status::unauthorized);
  HttpResponse unknown = Graph(http::verb::get, "/v1.0/applications");
  EXPECT_EQ(unknown.result(), http::status::bad_request);
  HttpResponse missing = Graph(http::verb::get, "/v1.0/users/no-such-id");
  EXPECT_EQ(missing.result(), http::status::not_found);
  HttpResponse big =
      graph_->Handle(Request(http::verb::post, "/v1.0/groups",
                             std::string(kMaxGraphBodyBytes + 1, ' '), AdminToken(kEndpoint)),
                     {});
  EXPECT_EQ(big.result(), http::status::payload_too_large);
}

TEST_F(IdentityApiTest, GraphWritesNeedADirectoryAdmin) {
  ASSERT_EQ(Graph(http::verb::post, "/v1.0/users",
                  {{"userPrincipalName", "bob@x"},
                   {"displayName", "Bob"},
                   {"passwordProfile", {{"password", "password-1"}}}})
                .result(),
            http::status::created);
  HttpResponse t = Token(Form({{"grant_type", "password"},
                               {"username", "bob@x"},
                               {"password", "password-1"},
                               {"scope", std::string(kEndpoint) + "/.default"}}));
  ASSERT_EQ(t.result(), http::status::ok) << t.body();
  const std::string bob = Body(t)["access_token"];
  HttpResponse denied = Graph(http::verb::post, "/v1.0/groups", {{"displayName", "x"}}, bob);
  EXPECT_EQ(denied.result(), http::status::forbidden);
  EXPECT_EQ(Body(denied)["error"]["code"], "Authorization_RequestDenied");
  EXPECT_EQ(Graph(http::verb::get, "/v1.0/users", nullptr, bob).result(), http::status::ok);
}

// ---------------------------------------------------------------- subscription aliases

TEST_F(IdentityApiTest, AliasPutCreatesASubscriptionOnceAndGetFindsIt) {
  EXPECT_TRUE(SubscriptionAliasApi::Serves("/providers/Microsoft.Subscription/aliases/a"));
  EXPECT_FALSE(SubscriptionAliasApi::Serves("/providers/Microsoft.Compute/galleries"));
  const std::string path =
      "/providers/Microsoft.Subscription/aliases/team-a?api-version=2021-10-01";
  const std::string body = json{{"properties", {{"displayName", "Team A"}}}}.dump();
  HttpResponse created = aliases_->Handle(Request(http::verb::put, path, body, AdminToken()), {});
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  json alias = Body(created);
  EXPECT_EQ(alias["type"], "Microsoft.Subscription/aliases");
  const std::string sub = alias["properties"]["subscriptionId"];
  EXPECT_EQ(sub.size(), 36u);
  HttpResponse again = aliases_->Handle(Request(http::verb::put, path, body, AdminToken()), {});
  EXPECT_EQ(again.result(), http::status::ok);
  EXPECT_EQ(Body(again)["properties"]["subscriptionId"], sub);
  HttpResponse get = aliases_->Handle(Request(http::verb::get, path, "", AdminToken()), {});
  EXPECT_EQ(Body(get)["properties"]["subscriptionId"], sub);
}

TEST_F(IdentityApiTest, AliasErrorsAreArmErrors) {
  const std::string path = "/providers/Microsoft.Subscription/aliases/a?api-version=2021-10-01";
  HttpResponse anonymous = aliases_->Handle(Request(http::verb::put, path, "{}"), {});
  EXPECT_EQ(anonymous.result(), http::status::unauthorized);
  EXPECT_EQ(Body(anonymous)["error"]["code"], "AuthenticationFailed");
  EXPECT_NE(anonymous[http::field::www_authenticate].find("Bearer"), std::string::npos);
  HttpResponse no_version = aliases_->Handle(
      Request(http::verb::put, "/providers/Microsoft.Subscription/aliases/a", "{}", AdminToken()),
      {});
  EXPECT_EQ(Body(no_version)["error"]["code"], "MissingApiVersionParameter");
  HttpResponse other = aliases_->Handle(
      Request(http::verb::get, "/providers/Microsoft.Subscription/subscriptions?api-version=1", "",
              AdminToken()),
      {});
  EXPECT_EQ(other.result(), http::status::not_found);
  HttpResponse missing = aliases_->Handle(Request(http::verb::get, path, "", AdminToken()), {});
  EXPECT_EQ(missing.result(), http::status::not_found);
  HttpResponse del = aliases_->Handle(Request(http::verb::delete_, path, "", AdminToken()), {});
  EXPECT_EQ(del.result(), http::status::method_not_allowed);
}

}  // namespace
}  // namespace gallery::api
