#include "client/url.h"

#include <gtest/gtest.h>

namespace gallery {
namespace {

TEST(UrlTest, ParsesHostPortAndTarget) {
  Result<Url> u = Url::Parse("https://127.0.0.1:8443/subscriptions?api-version=1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->target, "/subscriptions?api-version=1");
  EXPECT_EQ(u->Origin(), "https://127.0.0.1:8443");
}

TEST(UrlTest, DefaultsPortBySchemeAndTargetToRoot) {
  Result<Url> u = Url::Parse("HTTPS://Gallery.Example");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(Url::Parse("http://h")->port, "80");
  EXPECT_EQ(Url::Parse("https://h?x=1")->target, "/?x=1");
}

TEST(UrlTest, ParsesIpv6Literals) {
  Result<Url> u = Url::Parse("https://[::1]:9443/a");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9443");
  EXPECT_EQ(u->Origin(), "https://[::1]:9443");
}

TEST(UrlTest, RejectsMalformedUrls) {
  for (const char* bad : {"127.0.0.1:8443", "ftp://h/", "https://", "https://h:/", "https://h:x/",
                          "https://h:70000/", "https://u@h/", "https://h/#frag", "https://[::1/"}) {
    Result<Url> u = Url::Parse(bad);
    EXPECT_FALSE(u.ok()) << bad;
    if (!u.ok()) {
      EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(UrlTest, SameOriginComparesSchemeHostCaseInsensitivelyAndPort) {
  Url a = *Url::Parse("https://Host:1/x");
  EXPECT_TRUE(a.SameOrigin(*Url::Parse("https://host:1/y")));
  EXPECT_FALSE(a.SameOrigin(*Url::Parse("https://host:2/x")));
  EXPECT_FALSE(a.SameOrigin(*Url::Parse("http://host:1/x")));
  EXPECT_FALSE(a.SameOrigin(*Url::Parse("https://other:1/x")));
}

TEST(UrlTest, IsIpLiteral) {
  EXPECT_TRUE(IsIpLiteral("127.0.0.1"));
  EXPECT_TRUE(IsIpLiteral("::1"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
  EXPECT_FALSE(IsIpLiteral("127.0.0"));
}

TEST(UrlTest, PercentEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(PercentEncode("gal_1.a-b~"), "gal_1.a-b~");
  EXPECT_EQ(PercentEncode("a b/c?d&e=f%"), "a%20b%2Fc%3Fd%26e%3Df%25");
}

}  // namespace
}  // namespace gallery
