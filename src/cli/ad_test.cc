// `gallery ad ...`: the directory commands against a scripted Graph endpoint.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AdTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SaveProfile();
  }
};

TEST_F(AdTest, UserCreatePostsTheGraphShapeWithTheGraphToken) {
  transport_.RespondJson(
      201,
      {{"id", "u1"}, {"displayName", "Alice"}, {"userPrincipalName", "alice@contoso.example"}});
  EXPECT_EQ(Run({"ad", "user", "create", "--upn", "alice@contoso.example", "--display-name",
                 "Alice", "--password", "password-1"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("POST /v1.0/users"));
  EXPECT_EQ(*FindHeader(transport_.calls[0].headers, "authorization"), "Bearer graph-token");
  json body = transport_.Body(0);
  EXPECT_EQ(body["userPrincipalName"], "alice@contoso.example");
  EXPECT_EQ(body["passwordProfile"]["password"], "password-1");
  EXPECT_EQ(body["mailNickname"], "alice");
  EXPECT_EQ(OutJson()["id"], "u1");
}

TEST_F(AdTest, SpCreatePrintsAppIdObjectIdAndTheSecretOnce) {
  transport_.RespondJson(201, {{"id", "obj-1"}, {"appId", "app-1"}, {"displayName", "ci"}});
  transport_.RespondJson(200, {{"secretText", "s3cret"}, {"keyId", "k"}});
  EXPECT_EQ(Run({"ad", "sp", "create", "--name", "ci"}), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("POST /v1.0/servicePrincipals",
                                                 "POST /v1.0/servicePrincipals/obj-1/addPassword"));
  json out = OutJson();
  EXPECT_EQ(out["appId"], "app-1");
  EXPECT_EQ(out["objectId"], "obj-1");
  EXPECT_EQ(out["password"], "s3cret");
  EXPECT_EQ(out["tenant"], "tenant1");
}

TEST_F(AdTest, ListsPrintTheValues) {
  transport_.RespondJson(200, {{"value", {{{"id", "g1"}, {"displayName", "team"}}}}});
  EXPECT_EQ(Run({"ad", "group", "list", "-o", "tsv"}), 0) << err();
  EXPECT_EQ(out(), "team\tg1\n");
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET /v1.0/groups"));
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"ad", "sp", "list"}), 0);
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"ad", "user", "list"}), 0);
  EXPECT_EQ(transport_.Requests()[2], "GET /v1.0/users");
}

TEST_F(AdTest, GroupCreateAndMembers) {
  transport_.RespondJson(201, {{"id", "g1"}, {"displayName", "team"}});
  EXPECT_EQ(Run({"ad", "group", "create", "--name", "team"}), 0) << err();
  EXPECT_EQ(transport_.Body(0)["securityEnabled"], true);
  transport_.Respond(204);
  EXPECT_EQ(Run({"ad", "group", "member", "add", "--group", "g1", "--member-id", "u1"}), 0)
      << err();
  EXPECT_EQ(transport_.Requests()[1], "POST /v1.0/groups/g1/members/$ref");
  EXPECT_EQ(transport_.Body(1)["@odata.id"],
            "https://graph.microsoft.com/v1.0/directoryObjects/u1");
  transport_.RespondJson(
      200,
      {{"value",
        {{{"id", "u1"}, {"@odata.type", "#microsoft.graph.user"}, {"displayName", "Alice"}}}}});
  EXPECT_EQ(Run({"ad", "group", "member", "list", "--group", "g1", "-o", "tsv"}), 0);
  EXPECT_EQ(out(), "Alice\t#microsoft.graph.user\tu1\n");
  transport_.Respond(204);
  EXPECT_EQ(Run({"ad", "group", "member", "remove", "--group", "g1", "--member-id", "u1"}), 0);
  EXPECT_EQ(transport_.Requests()[3], "DELETE /v1.0/groups/g1/members/u1/$ref");
}

TEST_F(AdTest, GraphErrorsAreReportedWithTheirCode) {
  transport_.RespondJson(403,
                         {{"error",
                           {{"code", "Authorization_RequestDenied"},
                            {"message", "Insufficient privileges to complete the operation."}}}});
  EXPECT_EQ(Run({"ad", "group", "create", "--name", "x"}), 1);
  EXPECT_THAT(err(), HasSubstr("(Authorization_RequestDenied) Insufficient privileges"));
  transport_.RespondJson(404,
                         {{"error", {{"code", "Request_ResourceNotFound"}, {"message", "no"}}}});
  EXPECT_EQ(Run({"ad", "group", "member", "list", "--group", "nope"}), 3);
}

TEST_F(AdTest, MissingArgumentsAreUsageErrors) {
  EXPECT_EQ(Run({"ad", "user", "create", "--upn", "a@x"}), 2);
  EXPECT_EQ(Run({"ad", "group", "member", "add", "--group", "g1"}), 2);
  EXPECT_TRUE(transport_.calls.empty());
}

}  // namespace
}  // namespace gallery::cli
