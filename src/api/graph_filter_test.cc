#include "api/graph_filter.h"

#include <gtest/gtest.h>

namespace gallery::api {
namespace {

TEST(GraphFilterTest, PropertyEqualsLiteral) {
  Result<std::vector<GraphFilter>> f =
      ParseGraphFilter("userPrincipalName eq 'alice@contoso.example'");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ((*f)[0].property, "userPrincipalName");
  EXPECT_EQ((*f)[0].value, "alice@contoso.example");
  EXPECT_FALSE((*f)[0].any);
}

TEST(GraphFilterTest, QuotesAreDoubledInsideLiterals) {
  Result<std::vector<GraphFilter>> f = ParseGraphFilter("displayName EQ 'O''Brien'");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)[0].value, "O'Brien");
}

TEST(GraphFilterTest, AnyOverServicePrincipalNames) {
  Result<std::vector<GraphFilter>> f =
      ParseGraphFilter("servicePrincipalNames/any(c:c eq 'app-1')");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)[0].property, "servicePrincipalNames");
  EXPECT_EQ((*f)[0].value, "app-1");
  EXPECT_TRUE((*f)[0].any);
}

TEST(GraphFilterTest, ClausesJoinedByAnd) {
  // What `az ad group create` asks before creating.
  Result<std::vector<GraphFilter>> f =
      ParseGraphFilter("displayName eq 'builders' and mailNickname eq 'b'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[1].property, "mailNickname");
  EXPECT_EQ((*f)[1].value, "b");
}

TEST(GraphFilterTest, AnythingElseIsUnsupported) {
  for (const char* text :
       {"", "displayName", "displayName eq", "displayName eq 'x", "displayName ne 'x'",
        "displayName eq 'x' and", "displayName eq 'x' or id eq 'y'", "startswith(displayName,'x')",
        "servicePrincipalNames/any(c:d eq 'x')", "servicePrincipalNames/any(c:c eq 'x'"}) {
    Result<std::vector<GraphFilter>> f = ParseGraphFilter(text);
    ASSERT_FALSE(f.ok()) << text;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(f.status().reason(), "Request_UnsupportedQuery");
  }
}

}  // namespace
}  // namespace gallery::api
