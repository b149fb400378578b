#include "access/token_validator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "access/jwt.h"
#include "access/test_directory.h"
#include "common/base64.h"

namespace gallery::access {
namespace {

using nlohmann::json;
namespace t = testing;

constexpr char kArm[] = "https://management.gallery.local/";
constexpr char kIssuer[] = "https://gallery.local/adfs";
const std::vector<std::string> kArmOnly = {kArm};

class TokenValidatorTest : public t::DirectoryFixture {
 protected:
  void SetUp() override {
    DirectoryFixture::SetUp();
    validator_ = std::make_unique<TokenValidator>(*store_, t::SharedKey(), clock_,
                                                  TokenValidatorOptions{.issuer = kIssuer});
  }
  // Valid claims for the service principal, now.
  json Claims() {
    const int64_t now = t::kNow / 1000;
    return {{"aud", kArm},         {"iss", kIssuer},     {"iat", now},
            {"nbf", now},          {"exp", now + 3600},  {"tid", t::kTenant},
            {"oid", t::kSpObject}, {"appid", t::kSpApp}, {"groups", json::array({"g1", "g2"})}};
  }
  std::string Sign(const json& claims) { return *EncodeJwt(claims, t::SharedKey()); }
  void ExpectRefused(const json& claims, const std::string& reason, const std::string& why) {
    Result<domain::Caller> r = validator_->Validate(Sign(claims), kArmOnly);
    ASSERT_FALSE(r.ok()) << claims.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(r.status().reason(), reason);
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }
  std::unique_ptr<TokenValidator> validator_;
};

TEST_F(TokenValidatorTest, ValidTokenGivesTheCallerWithTheTokensGroups) {
  Result<domain::Caller> caller = validator_->Validate(Sign(Claims()), kArmOnly);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->tenant_id, t::kTenant);
  EXPECT_EQ(caller->object_id, t::kSpObject);
  EXPECT_EQ(caller->kind, domain::PrincipalKind::kServicePrincipal);
  EXPECT_EQ(caller->display_name, "ci");
  EXPECT_EQ(caller->group_ids, (std::vector<std::string>{"g1", "g2"}));
}

TEST_F(TokenValidatorTest, UserCallerIsNamedByUpn) {
  json c = Claims();
  c["oid"] = t::kUserObject;
  Result<domain::Caller> caller = validator_->Validate(Sign(c), kArmOnly);
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->kind, domain::PrincipalKind::kUser);
  EXPECT_EQ(caller->display_name, t::kUserUpn);
}

TEST_F(TokenValidatorTest, ExpiredTokenIsExpiredAuthenticationToken) {
  json c = Claims();
  c["exp"] = t::kNow / 1000 - 3600;
  ExpectRefused(c, "ExpiredAuthenticationToken", "is earlier than current UTC time");
}

TEST_F(TokenValidatorTest, ExpiryWithinTheClockSkewIsTolerated) {
  json c = Claims();
  c["exp"] = t::kNow / 1000 - 60;
  EXPECT_TRUE(validator_->Validate(Sign(c), kArmOnly).ok());
}

TEST_F(TokenValidatorTest, NotYetValidTokenIsRefused) {
  json c = Claims();
  c["nbf"] = t::kNow / 1000 + 3600;
  ExpectRefused(c, "InvalidAuthenticationToken", "not valid before");
}

TEST_F(TokenValidatorTest, WrongAudienceIsRefused) {
  json c = Claims();
  c["aud"] = "https://127.0.0.1:8443/";  // a Graph token at the ARM endpoint
  ExpectRefused(c, "InvalidAuthenticationToken", "audience");
  // and the ARM token at the Graph endpoint
  Result<domain::Caller> r =
      validator_->Validate(Sign(Claims()), {std::string("https://127.0.0.1:8443/")});
  EXPECT_EQ(r.status().reason(), "InvalidAuthenticationToken");
}

TEST_F(TokenValidatorTest, WrongIssuerIsRefused) {
  json c = Claims();
  c["iss"] = "https://evil.example/adfs";
  ExpectRefused(c, "InvalidAuthenticationToken", "issuer");
}

TEST_F(TokenValidatorTest, UnknownTenantIsRefused) {
  json c = Claims();
  c["tid"] = "other-tenant";
  ExpectRefused(c, "InvalidAuthenticationToken", "tenant 'other-tenant' does not exist");
}

TEST_F(TokenValidatorTest, PrincipalOfAnotherTenantIsRefused) {
  auto tx = Write();
  ASSERT_TRUE(tx->PutTenant({"tenant-2", "Fabrikam", 0}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  json c = Claims();
  c["tid"] = "tenant-2";  // the principal lives in tenant-1
  ExpectRefused(c, "InvalidAuthenticationToken", "no longer exists");
}

TEST_F(TokenValidatorTest, MissingOrMalformedClaimsAreRefused) {
  json no_exp = Claims();
  no_exp.erase("exp");
  ExpectRefused(no_exp, "InvalidAuthenticationToken", "no exp or nbf");
  json no_oid = Claims();
  no_oid.erase("oid");
  ExpectRefused(no_oid, "InvalidAuthenticationToken", "names no tenant");
  json bad_groups = Claims();
  bad_groups["groups"] = "g1";
  ExpectRefused(bad_groups, "InvalidAuthenticationToken", "groups");
}

TEST_F(TokenValidatorTest, SignatureProblemsAreRefused) {
  const std::string token = Sign(Claims());
  std::string tampered = token;
  tampered[token.size() - 5] = tampered[token.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(validator_->Validate(tampered, kArmOnly).status().reason(),
            "InvalidAuthenticationToken");
  const std::string unsigned_token = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                                     Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_EQ(validator_->Validate(unsigned_token, kArmOnly).status().reason(),
            "InvalidAuthenticationToken");
  EXPECT_EQ(validator_->Validate("", kArmOnly).status().reason(), "InvalidAuthenticationToken");
}

TEST_F(TokenValidatorTest, CachedTokenStillExpiresAtItsExp) {
  json c = Claims();
  c["exp"] = t::kNow / 1000 + 10;
  const std::string token = Sign(c);
  ASSERT_TRUE(validator_->Validate(token, kArmOnly).ok());
  EXPECT_EQ(validator_->CachedEntries(), 1u);
  clock_.Advance(10 * 60 * 1000);  // past exp and the skew
  EXPECT_EQ(validator_->Validate(token, kArmOnly).status().reason(), "ExpiredAuthenticationToken");
}

TEST_F(TokenValidatorTest, CachedTokenIsCheckedForItsAudienceToo) {
  const std::string token = Sign(Claims());
  ASSERT_TRUE(validator_->Validate(token, kArmOnly).ok());
  EXPECT_FALSE(validator_->Validate(token, {std::string("https://127.0.0.1:8443/")}).ok());
}

TEST_F(TokenValidatorTest, DeletedPrincipalIsRefusedOnceTheCacheIsInvalidated) {
  const std::string token = Sign(Claims());
  ASSERT_TRUE(validator_->Validate(token, kArmOnly).ok());
  DeletePrincipal(t::kSpObject);
  validator_->InvalidateCache();
  EXPECT_EQ(validator_->CachedEntries(), 0u);
  Result<domain::Caller> r = validator_->Validate(token, kArmOnly);
  EXPECT_EQ(r.status().reason(), "InvalidAuthenticationToken");
  EXPECT_NE(r.status().message().find("no longer exists"), std::string::npos);
}

TEST_F(TokenValidatorTest, CacheStaysWithinItsBound) {
  TokenValidator small(*store_, t::SharedKey(), clock_,
                       {.issuer = kIssuer, .cache_entries = TokenValidator::kShards * 2});
  for (int i = 0; i < 200; ++i) {
    json c = Claims();
    c["jti"] = i;  // a distinct token each time
    ASSERT_TRUE(small.Validate(Sign(c), kArmOnly).ok());
  }
  EXPECT_LE(small.CachedEntries(), TokenValidator::kShards * 2);
  EXPECT_GT(small.CachedEntries(), 0u);
}

TEST_F(TokenValidatorTest, ConcurrentValidationsAgree) {
  const std::string token = Sign(Claims());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        if (validator_->Validate(token, kArmOnly).ok()) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(ok.load(), 400);
}

}  // namespace
}  // namespace gallery::access
