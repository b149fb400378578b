#include "api/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace gallery::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Target Parse(std::string_view target) {
  Result<Target> t = ParseTarget(target);
  EXPECT_TRUE(t.ok()) << target << ": " << t.status().ToString();
  return t.ok() ? *t : Target{};
}

void ExpectInvalidUri(std::string_view target) {
  Result<Target> t = ParseTarget(target);
  ASSERT_FALSE(t.ok()) << target << " parsed";
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << target;
  EXPECT_EQ(t.status().reason(), "InvalidUri") << target;
}

// --- path ---

TEST(UrlTest, PathSplitsIntoSegmentsWithoutEmptyOnes) {
  EXPECT_THAT(Parse("//subscriptions//s1/").segments, ElementsAre("subscriptions", "s1"));
}

TEST(UrlTest, EmptyAndRootTargetsHaveNoSegments) {
  EXPECT_THAT(Parse("").segments, IsEmpty());
  EXPECT_THAT(Parse("/").segments, IsEmpty());
}

TEST(UrlTest, PathSegmentsArePercentDecoded) {
  EXPECT_THAT(Parse("/virtualMachines/https%3A").segments,
              ElementsAre("virtualMachines", "https:"));
  EXPECT_THAT(Parse("/a%20b/c%3Fd").segments, ElementsAre("a b", "c?d"));
}

TEST(UrlTest, ASegmentThatDecodesToSlashOrControlOrBadUtf8IsRefused) {
  // A name with '/' would address another resource's key: refused, never decoded.
  for (const char* bad : {"/rg%2Fproviders%2Fx", "/a%2fb", "/a%00b", "/a%0Ab", "/g%FF", "/g%C3",
                          "/g%ED%A0%80", "/g%C0%AF"}) {
    Result<Target> t = ParseTarget(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().reason(), "InvalidUri") << bad;
  }
  EXPECT_TRUE(ParseTarget("/caf%C3%A9/%F0%9F%98%80").ok());
}

TEST(UrlTest, PlusInThePathStaysAPlus) { EXPECT_THAT(Parse("/a+b").segments, ElementsAre("a+b")); }

TEST(UrlTest, PathWithoutQueryHasNoQuery) { EXPECT_THAT(Parse("/subscriptions").query, IsEmpty()); }

// --- query ---

TEST(UrlTest, QueryNamesAreLowerCasedAndValuesKept) {
  Target t = Parse("/subscriptions?API-Version=2022-03-03&$SkipToken=AbC");
  EXPECT_EQ(t.Query("api-version"), "2022-03-03");
  EXPECT_EQ(t.Query("$skiptoken"), "AbC");
}

TEST(UrlTest, ExpandAndApiVersionAreBothRead) {
  Target t = Parse("/x?$expand=ReplicationStatus&api-version=2019-07-01");
  EXPECT_EQ(t.Query("$expand"), "ReplicationStatus");
  EXPECT_EQ(t.Query("api-version"), "2019-07-01");
}

TEST(UrlTest, PlusInTheQueryIsASpace) {
  EXPECT_EQ(Parse("/x?location=South+Central+US").Query("location"), "South Central US");
}

TEST(UrlTest, QueryNamesAndValuesArePercentDecoded) {
  Target t = Parse("/x?%24expand=Replication%53tatus&f=a%2Bb");
  EXPECT_EQ(t.Query("$expand"), "ReplicationStatus");
  EXPECT_EQ(t.Query("f"), "a+b");
}

TEST(UrlTest, QueryValueMayContainEquals) {
  EXPECT_EQ(Parse("/x?$skiptoken=a=b").Query("$skiptoken"), "a=b");
}

TEST(UrlTest, NameWithoutValueIsPresentAndEmpty) {
  Target t = Parse("/x?flag&y=1");
  ASSERT_EQ(t.query.count("flag"), 1u);
  EXPECT_EQ(t.Query("flag"), "");
  EXPECT_EQ(t.Query("y"), "1");
}

TEST(UrlTest, EmptyPairsAndEmptyNamesAreSkipped) {
  Target t = Parse("/x?&&=v&a=1&");
  EXPECT_EQ(t.query.size(), 1u);
  EXPECT_EQ(t.Query("a"), "1");
}

TEST(UrlTest, AbsentQueryParameterReadsAsEmpty) {
  EXPECT_EQ(Parse("/x?a=1").Query("api-version"), "");
}

// --- bad escapes ---

TEST(UrlTest, NonHexEscapeIsInvalidUri) {
  ExpectInvalidUri("/a%zz");
  ExpectInvalidUri("/a%g0");
  ExpectInvalidUri("/x?a=%zz");
  ExpectInvalidUri("/x?%zz=1");
}

TEST(UrlTest, TrailingPercentIsInvalidUri) {
  ExpectInvalidUri("/a%");
  ExpectInvalidUri("/x?a=1%");
}

TEST(UrlTest, TruncatedEscapeIsInvalidUri) {
  ExpectInvalidUri("/a%4");
  ExpectInvalidUri("/a%4/b");
  ExpectInvalidUri("/x?a=%4");
}

TEST(UrlTest, EscapeEndingExactlyAtTheEndIsValid) {
  EXPECT_THAT(Parse("/a%41").segments, ElementsAre("aA"));
  EXPECT_EQ(Parse("/x?a=%41").Query("a"), "A");
}

// --- encoding ---

TEST(UrlTest, UrlEncodeKeepsUnreservedCharacters) {
  EXPECT_EQ(UrlEncode("AZaz09-_.~"), "AZaz09-_.~");
}

TEST(UrlTest, PathIsOrUnderMatchesWholeSegmentsIgnoringCaseAndTheQuery) {
  EXPECT_TRUE(PathIsOrUnder("/adfs", "/adfs"));
  EXPECT_TRUE(PathIsOrUnder("/ADFS/oauth2/token", "/adfs"));
  EXPECT_TRUE(PathIsOrUnder("/adfs?x=/y", "/adfs"));
  EXPECT_FALSE(PathIsOrUnder("/adfsx", "/adfs"));
  EXPECT_FALSE(PathIsOrUnder("/adf", "/adfs"));
  EXPECT_FALSE(PathIsOrUnder("/x?/adfs", "/adfs"));
  EXPECT_FALSE(PathIsOrUnder("/subscriptions/s", "/adfs"));
}

TEST(UrlTest, UrlEncodeEscapesReservedCharactersInUpperCaseHex) {
  EXPECT_EQ(UrlEncode("a b/c+d%e?f&g=h:"), "a%20b%2Fc%2Bd%25e%3Ff%26g%3Dh%3A");
  EXPECT_EQ(UrlEncode("\xC3\xA9"), "%C3%A9");
}

TEST(UrlTest, UrlEncodeRoundTripsThroughPathAndQuery) {
  const std::string text = "https://x/y?z=1&w=a+b %25\xC3\xA9~";
  const std::string name = "x?z=1&w=a+b %25\xC3\xA9~";  // path segments may not hold '/'
  Target t = Parse("/" + UrlEncode(name) + "?" + UrlEncode("$SkipToken") + "=" + UrlEncode(text));
  EXPECT_THAT(t.segments, ElementsAre(name));
  EXPECT_EQ(t.Query("$skiptoken"), text);
}

}  // namespace
}  // namespace gallery::api
