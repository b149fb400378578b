// The sharing matrix of the product description (tests/sharing/sharing_matrix.h) over real
// HTTPS with real tokens: every grant scope x target x operation x role, for a user (password
// grant), a service principal (client credentials) and a member of a group holding the role
// (the group arrives in the member's token). Also: a member removed from the group loses the
// access with its next token.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arm_test_fixture.h"
#include "common/random.h"
#include "sharing_matrix.h"

namespace gallery::testing {
namespace {

using sharing::Case;
using sharing::GrantScope;
using sharing::PrincipalForm;
using sharing::Role;

struct World {
  GrantScope grant;
  PrincipalForm form;
  Role role;
};

// A principal of the directory and a token of its own.
struct Principal {
  std::string object_id;  // the id the role is assigned to (the group, for a group member)
  std::string caller_id;  // the id that calls (the member itself)
  std::string type;       // principalType of the assignment
  std::string token;      // an ARM token of the caller
};

class SharingHttpsTest : public ArmFixture {
 protected:
  void SetUp() override { StartServer(); }

  HttpResult Graph(const std::string& method, const std::string& path, const json& body) {
    Result<std::string> admin = server_->AdminToken(server_->GraphResource());
    EXPECT_TRUE(admin.ok()) << admin.status().ToString();
    auto client = server_->ClientWithToken(admin.ok() ? *admin : "");
    return SendRequest(*client, method, path, body.is_null() ? "" : body.dump());
  }
  std::string CreateUser(const std::string& upn) {
    HttpResult r = Graph("POST", "/v1.0/users",
                         {{"accountEnabled", true},
                          {"displayName", upn},
                          {"mailNickname", upn.substr(0, upn.find('@'))},
                          {"userPrincipalName", upn},
                          {"passwordProfile", {{"password", upn + "-pw"}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r).value("id", "");
  }
  std::string UserToken(const std::string& upn) {
    Result<std::string> t = server_->UserToken(upn, upn + "-pw");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : "";
  }
  std::string CreateDirectoryGroup(const std::string& name) {
    HttpResult r = Graph("POST", "/v1.0/groups", {{"displayName", name}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r).value("id", "");
  }
  void AddMember(const std::string& group, const std::string& member) {
    HttpResult r =
        Graph("POST", "/v1.0/groups/" + group + "/members/$ref",
              {{"@odata.id", "https://graph.microsoft.com/v1.0/directoryObjects/" + member}});
    ASSERT_EQ(r.status, 204) << r.body;
  }

  Principal MakePrincipal(PrincipalForm form, const std::string& name) {
    Principal p;
    switch (form) {
      case PrincipalForm::kUser:
        p.object_id = p.caller_id = CreateUser(name + "@contoso.example");
        p.type = "User";
        p.token = UserToken(name + "@contoso.example");
        break;
      case PrincipalForm::kServicePrincipal: {
        HttpResult sp = Graph("POST", "/v1.0/servicePrincipals", {{"displayName", name}});
        EXPECT_EQ(sp.status, 201) << sp.body;
        p.object_id = p.caller_id = Body(sp).value("id", "");
        HttpResult secret =
            Graph("POST", "/v1.0/servicePrincipals/" + p.object_id + "/addPassword", json::object());
        EXPECT_EQ(secret.status, 200) << secret.body;
        Result<std::string> t =
            server_->ClientToken(Body(sp).value("appId", ""), Body(secret).value("secretText", ""));
        EXPECT_TRUE(t.ok()) << t.status().ToString();
        p.token = t.ok() ? *t : "";
        p.type = "ServicePrincipal";
        break;
      }
      case PrincipalForm::kGroupMember: {
        p.caller_id = CreateUser(name + "@contoso.example");
        p.object_id = CreateDirectoryGroup(name + "-group");
        AddMember(p.object_id, p.caller_id);
        p.token = UserToken(name + "@contoso.example");
        p.type = "Group";
        break;
      }
    }
    return p;
  }

  void Assign(const std::string& scope, const Principal& p, Role role) {
    HttpResult r = Call(
        "PUT",
        scope + "/providers/Microsoft.Authorization/roleAssignments/" + gallery::NewUuid(*random_) +
            "?api-version=2022-04-01",
        {{"properties",
          {{"roleDefinitionId", Sub() + "/providers/Microsoft.Authorization/roleDefinitions/" +
                                    sharing::RoleDefinitionGuid(role)},
           {"principalId", p.object_id},
           {"principalType", p.type}}}});
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // The world of sharing_matrix.h in resource group "world": g1 with d1 (1.0.0, 1.0.1) and d2
  // (1.0.0), made by the administrator.
  std::string MakeWorld() {
    CreateGroup("world");
    const std::string group = Rg("world");
    const std::string image = Compute("world") + "/images/img1";
    CreateAt(image, kImageApi, ImageBody());
    const std::string g = sharing::GalleryPath(group);
    CreateAt(g, kGalleryApi, GalleryBody());
    CreateAt(g + "/images/d1", kGalleryApi, DefBody("p", "o", "s1"));
    CreateAt(g + "/images/d2", kGalleryApi, DefBody("p", "o", "s2"));
    const json version = {{"location", kSouthCentral},
                          {"properties", {{"storageProfile", {{"source", {{"id", image}}}}}}}};
    for (const char* v :
         {"/images/d1/versions/1.0.0", "/images/d1/versions/1.0.1", "/images/d2/versions/1.0.0"}) {
      CreateAt(g + v, kVersionApi, version);
    }
    return group;
  }

  std::unique_ptr<gallery::Random> random_ = gallery::NewSystemRandom();
};

class SharingMatrixHttpsTest : public SharingHttpsTest,
                               public ::testing::WithParamInterface<World> {};

TEST_P(SharingMatrixHttpsTest, EachTargetIsAllowedExactlyAsTheMatrixSays) {
  const World w = GetParam();
  const std::string group = MakeWorld();
  const Principal p = MakePrincipal(w.form, "caller");
  ASSERT_FALSE(p.token.empty());
  ASSERT_NO_FATAL_FAILURE(Assign(sharing::GrantPath(group, w.grant), p, w.role));
  auto as_caller = server_->ClientWithToken(p.token);
  for (const Case& c : sharing::WorldCases(w.grant, w.form, w.role)) {
    SCOPED_TRACE(c.Name());
    const std::string path = sharing::TargetPath(group, c.target);
    HttpResult r = SendRequest(*as_caller, c.method(),
                               path + "?api-version=" + sharing::ApiVersionOf(c.target), c.body());
    ASSERT_EQ(r.status, c.expected_status()) << r.body;
    json body = Body(r);
    if (!c.allowed()) {
      EXPECT_EQ(body["error"]["code"], "AuthorizationFailed");
      const std::string message = body["error"]["message"];
      EXPECT_NE(message.find("with object id '" + p.caller_id + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("action '" + c.action() + "' over scope '" + path + "'"),
                std::string::npos)
          << message;
    } else if (c.op == sharing::Operation::kDelete && c.allowed_status() == 409) {
      EXPECT_EQ(body["error"]["code"], "CannotDeleteResource");
    } else if (c.op != sharing::Operation::kDelete) {
      EXPECT_EQ(body.value("id", ""), path);
    }
  }
}

std::vector<World> AllWorlds() {
  std::vector<World> out;
  for (GrantScope g : sharing::kGrantScopes) {
    for (PrincipalForm f : sharing::kPrincipalForms) {
      for (Role r : sharing::kRoles) {
        out.push_back({g, f, r});
      }
    }
  }
  return out;
}

std::string WorldName(const ::testing::TestParamInfo<World>& info) {
  const Case c{info.param.grant, sharing::Target::kGallery, sharing::Operation::kRead,
               info.param.form, info.param.role};
  const std::string name = c.Name();
  return name.substr(0, name.rfind('_'));
}

INSTANTIATE_TEST_SUITE_P(Matrix, SharingMatrixHttpsTest, ::testing::ValuesIn(AllWorlds()),
                         WorldName);

TEST_F(SharingHttpsTest, AMemberRemovedFromTheGroupLosesAccessWithItsNextToken) {
  const std::string group = MakeWorld();
  const Principal p = MakePrincipal(PrincipalForm::kGroupMember, "erin");
  ASSERT_NO_FATAL_FAILURE(Assign(sharing::GalleryPath(group), p, Role::kReader));
  const std::string version =
      sharing::TargetPath(group, sharing::Target::kVersion) + "?api-version=" + kVersionApi;
  auto before = server_->ClientWithToken(p.token);
  ASSERT_EQ(SendRequest(*before, "GET", version).status, 200);

  HttpResult removed =
      Graph("DELETE", "/v1.0/groups/" + p.object_id + "/members/" + p.caller_id + "/$ref", nullptr);
  ASSERT_EQ(removed.status, 204) << removed.body;
  auto after = server_->ClientWithToken(UserToken("erin@contoso.example"));
  HttpResult denied = SendRequest(*after, "GET", version);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(Body(denied)["error"]["code"], "AuthorizationFailed");
}

}  // namespace
}  // namespace gallery::testing
