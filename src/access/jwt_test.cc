#include "access/jwt.h"

#include <gtest/gtest.h>

#include "access/test_directory.h"
#include "common/base64.h"

namespace gallery::access {
namespace {

using nlohmann::json;
using testing::SharedKey;

struct Parts {
  std::string header, payload, signature;
};

Parts Split(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::string Join(const Parts& p) { return p.header + "." + p.payload + "." + p.signature; }

std::string Encode(const json& j) { return Base64UrlEncode(j.dump()); }

void ExpectRefused(const Result<Jwt>& r, const std::string& why) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().reason(), "InvalidAuthenticationToken");
  EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> t = EncodeJwt({{"aud", "a"}, {"oid", "o"}}, SharedKey());
    ASSERT_TRUE(t.ok());
    token_ = *t;
  }
  std::string token_;
};

TEST_F(JwtTest, RoundTripsHeaderAndPayload) {
  Result<Jwt> jwt = DecodeVerifiedJwt(token_, SharedKey());
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(jwt->header["alg"], "RS256");
  EXPECT_EQ(jwt->header["typ"], "JWT");
  EXPECT_EQ(jwt->header["kid"], SharedKey().kid());
  EXPECT_EQ(jwt->payload, (json{{"aud", "a"}, {"oid", "o"}}));
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  Parts p = Split(token_);
  p.payload = Encode({{"aud", "a"}, {"oid", "admin"}});
  ExpectRefused(DecodeVerifiedJwt(Join(p), SharedKey()), "signature does not verify");
}

TEST_F(JwtTest, TamperedHeaderIsRefused) {
  Parts p = Split(token_);
  p.header = Encode({{"typ", "JWT"}, {"alg", "RS256"}, {"kid", SharedKey().kid()}, {"x", 1}});
  ExpectRefused(DecodeVerifiedJwt(Join(p), SharedKey()), "signature does not verify");
}

TEST_F(JwtTest, TamperedSignatureIsRefused) {
  Parts p = Split(token_);
  p.signature[5] = p.signature[5] == 'A' ? 'B' : 'A';
  ExpectRefused(DecodeVerifiedJwt(Join(p), SharedKey()), "signature does not verify");
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  Parts p = Split(token_);
  p.header = Encode({{"typ", "JWT"}, {"alg", "none"}, {"kid", SharedKey().kid()}});
  p.signature = "";
  ExpectRefused(DecodeVerifiedJwt(Join(p), SharedKey()), "must be RS256");
}

TEST_F(JwtTest, Hs256IsRefused) {
  Parts p = Split(token_);
  p.header = Encode({{"typ", "JWT"}, {"alg", "HS256"}, {"kid", SharedKey().kid()}});
  ExpectRefused(DecodeVerifiedJwt(Join(p), SharedKey()), "must be RS256");
}

TEST_F(JwtTest, UnknownKidIsRefused) {
  Parts p = Split(token_);
  p.header = Encode({{"typ", "JWT"}, {"alg", "RS256"}, {"kid", "someone-else"}});
  ExpectRefused(DecodeVerifiedJwt(Join(p), SharedKey()), "unknown key");
}

TEST_F(JwtTest, TokenOfAnotherKeyIsRefused) {
  auto other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  Result<std::string> foreign = EncodeJwt({{"aud", "a"}}, **other);
  ExpectRefused(DecodeVerifiedJwt(*foreign, SharedKey()), "unknown key");
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  ExpectRefused(DecodeVerifiedJwt("", SharedKey()), "empty");
  ExpectRefused(DecodeVerifiedJwt("abc", SharedKey()), "three segments");
  ExpectRefused(DecodeVerifiedJwt("a.b", SharedKey()), "three segments");
  ExpectRefused(DecodeVerifiedJwt(token_ + ".x", SharedKey()), "three segments");
  ExpectRefused(DecodeVerifiedJwt("!!.??.**", SharedKey()), "base64url");
  ExpectRefused(DecodeVerifiedJwt(Encode(json::array()) + "." + Encode({}) + ".", SharedKey()),
                "base64url-encoded JSON");
  ExpectRefused(DecodeVerifiedJwt(std::string(kMaxTokenBytes + 1, 'a'), SharedKey()), "longer");
}

}  // namespace
}  // namespace gallery::access
