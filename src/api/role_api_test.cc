// The Microsoft.Authorization routes, their api-versions and their wire format.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/api_versions.h"
#include "api/arm_route.h"
#include "api/wire_role.h"

namespace gallery::api {
namespace {

using nlohmann::json;

constexpr char kSub[] = "11111111-2222-3333-4444-555555555555";
constexpr char kGuid[] = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

TEST(RoleRouteTest, RoleRoutesMatchAtEveryScope) {
  const std::string sub = std::string("/subscriptions/") + kSub;
  const std::string gallery = sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";
  const std::string image = sub + "/resourceGroups/rg/providers/Microsoft.Compute/images/i";
  for (const std::string& scope : {sub, sub + "/resourceGroups/rg", gallery, gallery + "/images/d",
                                   gallery + "/images/d/versions/1.0.0", image}) {
    Result<ArmRoute> list =
        MatchRoute(Split(scope + "/providers/microsoft.authorization/ROLEASSIGNMENTS"));
    ASSERT_TRUE(list.ok()) << scope << ": " << list.status().ToString();
    EXPECT_EQ(list->kind, RouteKind::kRoleAssignments);
    EXPECT_EQ(list->id.ToString(), scope);
    Result<ArmRoute> item =
        MatchRoute(Split(scope + "/providers/Microsoft.Authorization/roleAssignments/" + kGuid));
    ASSERT_TRUE(item.ok()) << scope;
    EXPECT_EQ(item->kind, RouteKind::kRoleAssignment);
    EXPECT_EQ(item->name, kGuid);
    EXPECT_EQ(item->id.ToString(), scope);
    Result<ArmRoute> defs =
        MatchRoute(Split(scope + "/providers/Microsoft.Authorization/roleDefinitions"));
    ASSERT_TRUE(defs.ok());
    EXPECT_EQ(defs->kind, RouteKind::kRoleDefinitions);
    Result<ArmRoute> def =
        MatchRoute(Split(scope + "/providers/Microsoft.Authorization/roleDefinitions/" + kGuid));
    ASSERT_TRUE(def.ok());
    EXPECT_EQ(def->kind, RouteKind::kRoleDefinition);
    EXPECT_EQ(def->name, kGuid);
  }
}

TEST(RoleRouteTest, AnythingElseUnderMicrosoftAuthorizationIsNoRoute) {
  const std::string sub = std::string("/subscriptions/") + kSub;
  for (const std::string& path :
       {sub + "/providers/Microsoft.Authorization/locks",
        sub + "/providers/Microsoft.Authorization/roleAssignments/a/b",
        sub + "/resourceGroups/providers/Microsoft.Authorization/roleAssignments"}) {
    Result<ArmRoute> r = MatchRoute(Split(path));
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << path;
  }
}

TEST(RoleRouteTest, TheAuthorizationApiVersionsAreTheOnesClientsSend) {
  for (const char* v : {"2015-07-01", "2018-01-01-preview", "2018-09-01-preview",
                        "2020-04-01-preview", "2022-04-01"}) {
    EXPECT_TRUE(CheckApiVersion(ApiFamily::kAuthorization, v).ok()) << v;
  }
  Status s = CheckApiVersion(ApiFamily::kAuthorization, "2021-10-01");
  EXPECT_EQ(s.reason(), "InvalidApiVersionParameter");
  EXPECT_NE(s.message().find("2022-04-01"), std::string::npos);
  EXPECT_EQ(CheckApiVersion(ApiFamily::kAuthorization, "").reason(), "MissingApiVersionParameter");
}

TEST(RoleWireTest, AnAssignmentHasAzuresShape) {
  domain::RoleAssignment a;
  a.name = "11111111-0000-0000-0000-000000000001";
  a.scope = ResourceId::ForResourceGroup(kSub, "rg");
  a.role_definition_name = kGuid;
  a.principal_id = "p1";
  a.principal_type = domain::PrincipalKind::kGroup;
  a.created_on = 1735689600000;
  a.created_by = "c1";
  json w = ToWire(a);
  EXPECT_EQ(w["id"],
            a.scope.ToString() + "/providers/Microsoft.Authorization/roleAssignments/" + a.name);
  EXPECT_EQ(w["type"], "Microsoft.Authorization/roleAssignments");
  EXPECT_EQ(w["properties"]["roleDefinitionId"],
            std::string("/subscriptions/") + kSub +
                "/providers/Microsoft.Authorization/roleDefinitions/" + kGuid);
  EXPECT_EQ(w["properties"]["principalType"], "Group");
  EXPECT_EQ(w["properties"]["scope"], a.scope.ToString());
  EXPECT_EQ(w["properties"]["createdOn"], "2025-01-01T00:00:00+00:00");
  EXPECT_EQ(w["properties"]["createdBy"], "c1");
  EXPECT_TRUE(w["properties"]["updatedOn"].is_null());
  EXPECT_TRUE(w["properties"]["description"].is_null());
}

TEST(RoleWireTest, AssignmentBodiesParseAndNameTheirBadFields) {
  auto in = RoleAssignmentFromWire(json::parse(
      R"({"location":"westus","properties":{"roleDefinitionId":"r","principalId":"p",
          "principalType":"User","description":"d"}})"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->role_definition_id, "r");
  EXPECT_EQ(in->principal_id, "p");
  EXPECT_EQ(in->principal_type, "User");
  EXPECT_EQ(in->description, "d");
  auto missing = RoleAssignmentFromWire(json::object());
  EXPECT_EQ(missing.status().reason(), "InvalidRequestContent");
  auto wrong = RoleAssignmentFromWire(json::parse(R"({"properties":{"principalId":5}})"));
  EXPECT_EQ(wrong.status().reason(), "InvalidRequestContent");
  EXPECT_NE(wrong.status().target().find("principalId"), std::string::npos);
}

TEST(RoleWireTest, DefinitionBodiesRoundTripAndNameTheirBadFields) {
  auto in = RoleDefinitionFromWire(json::parse(
      R"({"properties":{"roleName":"R","type":"CustomRole","description":"d",
          "permissions":[{"actions":["a/read"],"notActions":["b"],"dataActions":[],
                          "notDataActions":null}],
          "assignableScopes":["/subscriptions/s"]}})"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->role_name, "R");
  ASSERT_EQ(in->permissions.size(), 1u);
  EXPECT_EQ(in->permissions[0].actions, std::vector<std::string>{"a/read"});
  EXPECT_EQ(in->permissions[0].not_actions, std::vector<std::string>{"b"});
  EXPECT_EQ(in->assignable_scopes, std::vector<std::string>{"/subscriptions/s"});

  domain::RoleDefinition d;
  d.name = kGuid;
  d.role_name = "R";
  d.type = domain::RoleType::kCustom;
  d.permissions = in->permissions;
  d.assignable_scopes = in->assignable_scopes;
  json w = ToWire(d, kSub);
  EXPECT_EQ(w["id"], std::string("/subscriptions/") + kSub +
                         "/providers/Microsoft.Authorization/roleDefinitions/" + kGuid);
  EXPECT_EQ(w["properties"]["type"], "CustomRole");
  EXPECT_EQ(w["properties"]["permissions"][0]["actions"], json::array({"a/read"}));

  for (const char* bad :
       {R"({})", R"({"properties":[]})", R"({"properties":{"permissions":{}}})",
        R"({"properties":{"permissions":[5]}})",
        R"({"properties":{"permissions":[{"actions":"a"}]}})",
        R"({"properties":{"permissions":[{"actions":[1]}]}})",
        R"({"properties":{"assignableScopes":"x"}})", R"({"properties":{"roleName":1}})"}) {
    auto r = RoleDefinitionFromWire(json::parse(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "InvalidRequestContent") << bad;
  }
}

}  // namespace
}  // namespace gallery::api
