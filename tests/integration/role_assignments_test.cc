// Role assignments and role definitions over HTTPS with the real galleryd, as the bootstrap
// administrator (Owner of the bootstrap subscription): create, read, list with each filter,
// duplicates, bad principals, other tenants, missing scopes, delete, and the cascade when a
// resource is deleted. Principals are written to the directory while galleryd is stopped
// (directory management is its own API).

#include <gtest/gtest.h>

#include "access/grant_owner.h"
#include "arm_test_fixture.h"
#include "metadata/sqlite_store.h"

namespace gallery::testing {
namespace {

constexpr char kAuthApi[] = "2022-04-01";
constexpr char kReader[] = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
constexpr char kContributor[] = "b24988ac-6180-42a0-ab88-20f7382dd24c";
constexpr char kUser[] = "a11ce000-0000-4000-8000-000000000001";
constexpr char kSp[] = "5e000000-0000-4000-8000-000000000002";
constexpr char kGroup[] = "90000000-0000-4000-8000-000000000003";
constexpr char kForeign[] = "f0000000-0000-4000-8000-000000000004";
constexpr char kName1[] = "11111111-1111-4111-8111-111111111111";
constexpr char kName2[] = "22222222-2222-4222-8222-222222222222";
constexpr char kName3[] = "33333333-3333-4333-8333-333333333333";
// Subscriptions written to the directory: B of the bootstrap tenant, owned by the
// administrator; D of the same tenant, where the administrator holds no role; X of another
// tenant. D and X each hold a managed image.
constexpr char kSubB[] = "0000000b-0000-4000-8000-000000000000";
constexpr char kSubD[] = "0000000d-0000-4000-8000-000000000000";
constexpr char kSubX[] = "0000000e-0000-4000-8000-000000000000";

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string ImageIn(const std::string& sub) {
  return "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/images/img";
}

class RoleAssignmentsTest : public ArmFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    server_->Stop();
    {
      auto store = metadata::OpenSqliteStore(dir_.path() / "data" / "gallery.db");
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      auto tx = (*store)->Begin(metadata::TxMode::kWrite);
      ASSERT_TRUE(tx.ok());
      const std::string tenant = bootstrap_["tenantId"];
      auto add = [&](const char* oid, domain::PrincipalKind kind, const std::string& t) {
        domain::Principal p;
        p.object_id = oid;
        p.tenant_id = t;
        p.kind = kind;
        p.display_name = oid;
        ASSERT_TRUE((*tx)->PutPrincipal(p).ok());
      };
      add(kUser, domain::PrincipalKind::kUser, tenant);
      add(kSp, domain::PrincipalKind::kServicePrincipal, tenant);
      add(kGroup, domain::PrincipalKind::kGroup, tenant);
      ASSERT_TRUE((*tx)->PutTenant({"other-tenant", "Other", 1}).ok());
      add(kForeign, domain::PrincipalKind::kUser, "other-tenant");
      auto admin = (*tx)->FindPrincipalByAppId(bootstrap_["clientId"]);
      ASSERT_TRUE(admin.ok() && admin->has_value());
      admin_ = (*admin)->object_id;
      for (const auto& [sub, t] : {std::pair<std::string, std::string>{kSubB, tenant},
                                   {kSubD, tenant},
                                   {kSubX, "other-tenant"}}) {
        ASSERT_TRUE((*tx)->PutSubscription({sub, t, sub, "Enabled", 1}).ok());
      }
      ASSERT_TRUE(access::GrantOwner(**tx, ResourceId::ForSubscription(kSubB), admin_, 1).ok());
      for (const char* sub : {kSubD, kSubX}) {
        domain::ManagedImage image;
        image.meta.id = *ResourceId::Parse(ImageIn(sub));
        image.meta.location = kSouthCentral;
        image.meta.provisioning_state = domain::ProvisioningState::kSucceeded;
        image.os_disk.blob_uri = "https://acct.blob.local/vhds/os.vhd";
        ASSERT_TRUE((*tx)->PutResource(image).ok());
      }
      ASSERT_TRUE((*tx)->Commit().ok());
    }
    ASSERT_NO_FATAL_FAILURE(StartServer());
    ASSERT_NO_FATAL_FAILURE(CreateBasics());
  }

  std::string RoleId(const char* guid) const {
    return Sub() + "/providers/Microsoft.Authorization/roleDefinitions/" + guid;
  }
  static std::string Assignments(const std::string& scope) {
    return scope + "/providers/Microsoft.Authorization/roleAssignments";
  }
  static std::string Assignment(const std::string& scope, const char* name) {
    return Assignments(scope) + "/" + name;
  }
  static json Body(const std::string& role, const std::string& principal,
                   const std::string& type = "") {
    json props = {{"roleDefinitionId", role}, {"principalId", principal}};
    if (!type.empty()) {
      props["principalType"] = type;
    }
    return {{"properties", props}};
  }
  HttpResult PutAssignment(const std::string& scope, const char* name, const json& body,
                           const std::string& api = kAuthApi) {
    return Call("PUT", Q(Assignment(scope, name), api), body);
  }
  std::vector<std::string> ListNames(const std::string& scope, const std::string& filter = "") {
    std::string url = Q(Assignments(scope), kAuthApi);
    if (!filter.empty()) {
      url += "&$filter=" + filter;
    }
    HttpResult r = Call("GET", url);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const json body = ArmFixture::Body(r);
    for (const json& a : body["value"]) {
      out.push_back(a["name"]);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string admin_;  // the administrator's object id
};

TEST_F(RoleAssignmentsTest, CreateReadAndDeleteInAzuresShape) {
  const std::string gallery = GalleryPath("gal1");
  HttpResult created = PutAssignment(gallery, kName1, Body(RoleId(kReader), kUser, "User"));
  ASSERT_EQ(created.status, 201) << created.body;
  json b = ArmFixture::Body(created);
  EXPECT_EQ(b["id"], Assignment(gallery, kName1));
  EXPECT_EQ(b["name"], kName1);
  EXPECT_EQ(b["type"], "Microsoft.Authorization/roleAssignments");
  EXPECT_EQ(b["properties"]["roleDefinitionId"], RoleId(kReader));
  EXPECT_EQ(b["properties"]["principalId"], kUser);
  EXPECT_EQ(b["properties"]["principalType"], "User");
  EXPECT_EQ(b["properties"]["scope"], gallery);
  EXPECT_EQ(b["properties"]["createdBy"], admin_);
  EXPECT_TRUE(b["properties"]["createdOn"].is_string());

  HttpResult read = Call("GET", Q(Assignment(gallery, kName1), kAuthApi));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(ArmFixture::Body(read)["properties"]["scope"], gallery);
  // The same PUT again is no change.
  EXPECT_EQ(PutAssignment(gallery, kName1, Body(RoleId(kReader), kUser)).status, 200);

  HttpResult deleted = Call("DELETE", Q(Assignment(gallery, kName1), kAuthApi));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(ArmFixture::Body(deleted)["name"], kName1);
  EXPECT_EQ(Call("DELETE", Q(Assignment(gallery, kName1), kAuthApi)).status, 204);
  ExpectError(Call("GET", Q(Assignment(gallery, kName1), kAuthApi)), 404, "RoleAssignmentNotFound");
}

TEST_F(RoleAssignmentsTest, EveryApiVersionTheClientsSendIsAccepted) {
  const char* names[] = {
      "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002",
      "a0000000-0000-4000-8000-000000000003", "a0000000-0000-4000-8000-000000000004",
      "a0000000-0000-4000-8000-000000000005"};
  const char* apis[] = {"2015-07-01", "2018-01-01-preview", "2018-09-01-preview",
                        "2020-04-01-preview", "2022-04-01"};
  const std::string scopes[] = {Sub(), Rg("rg1"), GalleryPath("gal1"), DefPath("def1"),
                                ImagePath("img1")};
  for (int i = 0; i < 5; ++i) {
    // az resource create adds a location; it is ignored.
    json body = Body(RoleId(kReader), kSp);
    body["location"] = "southcentralus";
    HttpResult r = PutAssignment(scopes[i], names[i], body, apis[i]);
    EXPECT_EQ(r.status, 201) << apis[i] << " at " << scopes[i] << ": " << r.body;
    EXPECT_EQ(Call("GET", Q(Assignment(scopes[i], names[i]), apis[i])).status, 200) << apis[i];
  }
  ExpectError(PutAssignment(Sub(), kName1, Body(RoleId(kReader), kUser), "2021-10-01"), 400,
              "InvalidApiVersionParameter");
}

TEST_F(RoleAssignmentsTest, ListsFilterAtScopeByPrincipalAndAssignedTo) {
  const std::string gallery = GalleryPath("gal1");
  ASSERT_EQ(PutAssignment(Rg("rg1"), kName1, Body(RoleId(kReader), kUser)).status, 201);
  ASSERT_EQ(PutAssignment(gallery, kName2, Body(RoleId(kContributor), kGroup)).status, 201);
  ASSERT_EQ(PutAssignment(DefPath("def1"), kName3, Body(RoleId(kReader), kSp)).status, 201);
  const std::string owner = ListNames(Sub(), "atScope()").front();  // the administrator's

  // Default: at, above and below the scope.
  EXPECT_EQ(ListNames(gallery), Sorted({kName1, kName2, kName3, owner}));
  // atScope(): at and above only.
  EXPECT_EQ(ListNames(gallery, "atScope()"), Sorted({kName1, kName2, owner}));
  EXPECT_EQ(ListNames(Sub(), "atScope()"), std::vector<std::string>{owner});
  // principalId eq: that principal's, anywhere around the scope.
  EXPECT_EQ(ListNames(Sub(), "principalId%20eq%20%27" + std::string(kSp) + "%27"),
            std::vector<std::string>{kName3});
  // assignedTo(): the principal's own (its groups are known only for the caller itself).
  EXPECT_EQ(ListNames(gallery, "assignedTo(%27" + std::string(kUser) + "%27)"),
            std::vector<std::string>{kName1});
  EXPECT_EQ(ListNames(gallery, "atScope()%20and%20assignedTo(%27" + std::string(kGroup) + "%27)"),
            std::vector<std::string>{kName2});
  ExpectError(Call("GET", Q(Assignments(gallery), kAuthApi) + "&$filter=roleName%20eq%20%27x%27"),
              400, "InvalidFilter");
}

TEST_F(RoleAssignmentsTest, TheRulesAnswerWithArmErrors) {
  const std::string gallery = GalleryPath("gal1");
  ASSERT_EQ(PutAssignment(gallery, kName1, Body(RoleId(kReader), kUser)).status, 201);
  // The same grant under another name.
  ExpectError(PutAssignment(gallery, kName2, Body(RoleId(kReader), kUser)), 409,
              "RoleAssignmentExists");
  // Another grant under an existing name.
  ExpectError(PutAssignment(gallery, kName1, Body(RoleId(kContributor), kUser)), 400,
              "RoleAssignmentUpdateNotPermitted");
  // Unknown principal, principal of another tenant, wrong principal type.
  ExpectError(
      PutAssignment(gallery, kName2, Body(RoleId(kReader), "00000000-0000-4000-8000-0000000000aa")),
      400, "PrincipalNotFound");
  ExpectError(PutAssignment(gallery, kName2, Body(RoleId(kReader), kForeign)), 400,
              "PrincipalInAnotherTenant", {"Sharing never crosses tenants"});
  ExpectError(PutAssignment(gallery, kName2, Body(RoleId(kReader), kSp, "User")), 400,
              "UnmatchedPrincipalType");
  // Unknown role, malformed name, missing body.
  ExpectError(
      PutAssignment(gallery, kName2, Body(RoleId("00000000-0000-4000-8000-0000000000bb"), kUser)),
      400, "RoleDefinitionDoesNotExist");
  ExpectError(PutAssignment(gallery, "not-a-guid", Body(RoleId(kReader), kSp)), 400,
              "InvalidRoleAssignmentId");
  ExpectError(Call("PUT", Q(Assignment(gallery, kName2), kAuthApi), json::object()), 400,
              "InvalidRequestContent");
  // The scope must exist.
  ExpectError(PutAssignment(GalleryPath("nope"), kName2, Body(RoleId(kReader), kSp)), 404,
              "ResourceNotFound");
  ExpectError(PutAssignment(Rg("nope"), kName2, Body(RoleId(kReader), kSp)), 404,
              "ResourceGroupNotFound");
  ExpectError(PutAssignment("/subscriptions/00000000-0000-4000-8000-0000000000cc", kName2,
                            Body(RoleId(kReader), kSp)),
              404, "SubscriptionNotFound");
  EXPECT_EQ(ListNames(gallery, "principalId%20eq%20%27" + std::string(kSp) + "%27").size(), 0u);
}

TEST_F(RoleAssignmentsTest, RoleDefinitionsAreFoundByNameAsTheCliAsks) {
  HttpResult r = Call(
      "GET", Q(GalleryPath("gal1") + "/providers/Microsoft.Authorization/roleDefinitions?$filter="
                                     "roleName%20eq%20%27Reader%27",
               "2018-01-01-preview"));
  ASSERT_EQ(r.status, 200) << r.body;
  json value = ArmFixture::Body(r)["value"];
  ASSERT_EQ(value.size(), 1u);
  EXPECT_EQ(value[0]["id"], RoleId(kReader));
  EXPECT_EQ(value[0]["name"], kReader);
  EXPECT_EQ(value[0]["properties"]["roleName"], "Reader");
  EXPECT_EQ(value[0]["properties"]["type"], "BuiltInRole");
  EXPECT_EQ(value[0]["properties"]["permissions"][0]["actions"], json::array({"*/read"}));
  HttpResult all = Call(
      "GET", Q(Sub() + "/providers/Microsoft.Authorization/roleDefinitions", "2018-01-01-preview"));
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(ArmFixture::Body(all)["value"].size(), 3u);
  HttpResult contributor = Call("GET", Q(RoleId(kContributor), kAuthApi));
  ASSERT_EQ(contributor.status, 200) << contributor.body;
  EXPECT_EQ(ArmFixture::Body(contributor)["properties"]["permissions"][0]["notActions"],
            json::array({"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                         "Microsoft.Authorization/elevateAccess/Action"}));
  ExpectError(Call("GET", Q(RoleId("00000000-0000-4000-8000-0000000000dd"), kAuthApi)), 404,
              "RoleDefinitionDoesNotExist");
}

TEST_F(RoleAssignmentsTest, DeletingAResourceDeletesTheAssignmentsAtAndBelowIt) {
  CreateGallery("gal2");
  ASSERT_EQ(PutAssignment(GalleryPath("gal2"), kName1, Body(RoleId(kReader), kUser)).status, 201);
  ASSERT_EQ(PutAssignment(GalleryPath("gal1"), kName2, Body(RoleId(kReader), kUser)).status, 201);
  ASSERT_EQ(Call("DELETE", Q(GalleryPath("gal2"), kGalleryApi)).status, 202);
  WaitGone(GalleryPath("gal2"), kGalleryApi);
  EXPECT_EQ(ListNames(Rg("rg1"), "principalId%20eq%20%27" + std::string(kUser) + "%27"),
            std::vector<std::string>{kName2});
  // A resource group takes the assignments inside it along.
  ASSERT_EQ(Call("DELETE", Q(Rg("rg1"), kRgApi)).status, 202);
  WaitGone(Rg("rg1"), kRgApi);
  EXPECT_EQ(ListNames(Sub(), "principalId%20eq%20%27" + std::string(kUser) + "%27").size(), 0u);
}

TEST_F(RoleAssignmentsTest, TheAdministratorOwnsTheBootstrapSubscription) {
  HttpResult r = Call("GET", Q(Assignments(Sub()), "2020-04-01-preview") + "&$filter=atScope()");
  ASSERT_EQ(r.status, 200) << r.body;
  json value = ArmFixture::Body(r)["value"];
  ASSERT_EQ(value.size(), 1u);
  EXPECT_EQ(value[0]["properties"]["principalId"], admin_);
  EXPECT_EQ(value[0]["properties"]["principalType"], "ServicePrincipal");
  EXPECT_EQ(value[0]["properties"]["scope"], Sub());
  EXPECT_EQ(value[0]["properties"]["roleDefinitionId"],
            RoleId("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
}

TEST_F(RoleAssignmentsTest, AVersionSourceMayComeFromAnySubscriptionOfTheTenantItMayRead) {
  // The caller sees the subscriptions where it holds a role: A (bootstrap) and B.
  HttpResult subs = Call("GET", "/subscriptions?api-version=2019-11-01");
  ASSERT_EQ(subs.status, 200);
  std::vector<std::string> ids;
  const json listed = ArmFixture::Body(subs);
  for (const json& s : listed["value"]) {
    ids.push_back(s["subscriptionId"]);
  }
  EXPECT_EQ(Sorted(ids), Sorted({sub_, kSubB}));
  ExpectError(Call("GET", "/subscriptions/" + std::string(kSubD) + "?api-version=2019-11-01"), 404,
              "SubscriptionNotFound");

  // A gallery in B; its version's source is the image img1 of A.
  const std::string group_b = "/subscriptions/" + std::string(kSubB) + "/resourceGroups/rgb";
  const std::string def_b = group_b + "/providers/Microsoft.Compute/galleries/galb/images/defb";
  ASSERT_EQ(Call("PUT", Q(group_b, kRgApi), {{"location", kSouthCentral}}).status, 201);
  CreateAt(group_b + "/providers/Microsoft.Compute/galleries/galb", kGalleryApi, GalleryBody());
  CreateAt(def_b, kGalleryApi, DefBody());
  auto version = [&](const std::string& source) {
    return json{{"location", kSouthCentral},
                {"properties",
                 {{"publishingProfile", {{"targetRegions", {{{"name", kSouthCentral}}}}}},
                  {"storageProfile", {{"source", {{"id", source}}}}}}}};
  };
  HttpResult made =
      Call("PUT", Q(def_b + "/versions/1.0.0", kVersionApi), version(ImagePath("img1")));
  ASSERT_EQ(made.status, 201) << made.body;
  json done = WaitSucceeded(def_b + "/versions/1.0.0", kVersionApi);
  EXPECT_EQ(done["properties"]["storageProfile"]["source"]["id"], ImagePath("img1"));

  // D is of the same tenant, but the caller may not read its image.
  ExpectError(Call("PUT", Q(def_b + "/versions/1.0.1", kVersionApi), version(ImageIn(kSubD))), 403,
              "LinkedAuthorizationFailed",
              {"'Microsoft.Compute/images/read' on the linked scope(s) '" + ImageIn(kSubD) + "'"});
  // X is another tenant's: refused whatever the roles.
  ExpectError(Call("PUT", Q(def_b + "/versions/1.0.1", kVersionApi), version(ImageIn(kSubX))), 403,
              "CrossTenantSourceNotAllowed", {"another tenant"});
  ExpectAbsent(def_b + "/versions/1.0.1", kVersionApi);
}

}  // namespace
}  // namespace gallery::testing
