// Access beyond the matrix, in-process through the real ARM front door: lists show what the
// caller may read (with correct paging), subscriptions are those where the caller holds a
// role, roles can be shared further only by those allowed to, custom roles, operation status,
// assignments removed with their resource, and sources across subscriptions but never across
// tenants.

#include <gtest/gtest.h>

#include "in_process_gallery.h"

namespace gallery::testing {
namespace {

using nlohmann::json;

constexpr char kReader[] = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
constexpr char kContributor[] = "b24988ac-6180-42a0-ab88-20f7382dd24c";
constexpr char kOwner[] = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

std::vector<std::string> Names(const Answer& a) {
  std::vector<std::string> out;
  if (a.body.is_object() && a.body["value"].is_array()) {
    for (const json& item : a.body["value"]) {
      out.push_back(item.value("name", ""));
    }
  }
  return out;
}

class AccessTest : public ::testing::Test {
 protected:
  explicit AccessTest(int32_t page_size = 100)
      : gallery_("access-" +
                     std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()),
                 page_size) {}

  std::string Group(const std::string& rg = "rg1") const {
    return gallery_.Sub() + "/resourceGroups/" + rg;
  }
  std::string Gallery(const std::string& g = "g1") const {
    return Group() + "/providers/Microsoft.Compute/galleries/" + g;
  }
  std::string Def(const std::string& d = "d1") const { return Gallery() + "/images/" + d; }
  std::string Ver(const std::string& v, const std::string& d = "d1") const {
    return Def(d) + "/versions/" + v;
  }
  std::string ImageId(const std::string& group) const {
    return group + "/providers/Microsoft.Compute/images/img1";
  }
  static std::string Q(const std::string& path, const char* api) {
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "api-version=" + api;
  }

  void Put(const std::string& path, const char* api, const json& body, const std::string& as = "") {
    Answer a = gallery_.CallJson("PUT", Q(path, api), body, as);
    ASSERT_TRUE(a.status == 200 || a.status == 201) << path << ": " << a.text;
  }
  // rg1, g1, definitions `defs`, image img1 in rg1, and versions `versions` of d1.
  void MakeWorld(const std::vector<std::string>& defs = {"d1"},
                 const std::vector<std::string>& versions = {}) {
    Put(Group(), "2021-04-01", InProcessGallery::Located());
    Put(Gallery(), "2021-10-01", InProcessGallery::Located());
    Put(ImageId(Group()), "2022-11-01", InProcessGallery::Image());
    for (size_t i = 0; i < defs.size(); ++i) {
      Put(Def(defs[i]), "2021-10-01", InProcessGallery::Definition("s" + std::to_string(i)));
    }
    gallery_.RunOperations();
    for (const std::string& v : versions) {
      Put(Ver(v), "2022-03-03", InProcessGallery::Version(ImageId(Group())));
    }
    gallery_.RunOperations();
  }
  void Grant(const std::string& scope, const domain::Caller& who, const char* role,
             const char* type = "User") {
    Answer a = gallery_.Assign(scope, who.object_id, role, type);
    ASSERT_EQ(a.status, 201) << a.text;
  }

  InProcessGallery gallery_;
};

TEST_F(AccessTest, ListsShowOnlyWhatTheCallerMayRead) {
  MakeWorld({"d1", "d2"}, {"1.0.0", "1.0.1"});
  domain::Caller alice = gallery_.AddPrincipal("alice", domain::PrincipalKind::kUser);
  Grant(Ver("1.0.0"), alice, kReader);
  // The versions of d1: only the shared one.
  EXPECT_EQ(Names(gallery_.Call("GET", Q(Def() + "/versions", "2022-03-03"), "", "alice")),
            std::vector<std::string>{"1.0.0"});
  // Neither the definitions nor the gallery are shared: empty lists, not refusals, because
  // something below is.
  Answer defs = gallery_.Call("GET", Q(Gallery() + "/images", "2021-10-01"), "", "alice");
  EXPECT_EQ(defs.status, 200);
  EXPECT_TRUE(Names(defs).empty());
  Answer galleries = gallery_.Call(
      "GET", Q(Group() + "/providers/Microsoft.Compute/galleries", "2021-10-01"), "", "alice");
  EXPECT_EQ(galleries.status, 200);
  EXPECT_TRUE(Names(galleries).empty());
  // A list where nothing at all is shared is refused, naming the list's scope.
  Put(Group("rg2"), "2021-04-01", InProcessGallery::Located());
  Answer other = gallery_.Call(
      "GET", Q(Group("rg2") + "/providers/Microsoft.Compute/galleries", "2021-10-01"), "", "alice");
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.ErrorCode(), "AuthorizationFailed");
  EXPECT_NE(other.ErrorMessage().find("'Microsoft.Compute/galleries/read' over scope '" +
                                      Group("rg2") + "'"),
            std::string::npos)
      << other.text;
  // "latest" is a version read: the highest version the caller may read.
  Answer latest = gallery_.Call("GET", Q(Def() + "/versions/latest", "2022-03-03"), "", "alice");
  EXPECT_EQ(latest.status, 200) << latest.text;
  EXPECT_EQ(latest.body.value("name", ""), "1.0.0");
  // The administrator sees both.
  EXPECT_EQ(Names(gallery_.Call("GET", Q(Def() + "/versions", "2022-03-03"))),
            (std::vector<std::string>{"1.0.0", "1.0.1"}));
}

class PagedAccessTest : public AccessTest {
 protected:
  PagedAccessTest() : AccessTest(2) {}
};

TEST_F(PagedAccessTest, FilteredListsStillPageCorrectly) {
  MakeWorld({"d1", "d2", "d3", "d4", "d5", "d6"});
  domain::Caller bob = gallery_.AddPrincipal("bob", domain::PrincipalKind::kUser);
  for (const char* d : {"d1", "d3", "d5", "d6"}) {
    Grant(Def(d), bob, kReader);
  }
  std::vector<std::string> seen;
  std::string url = Q(Gallery() + "/images", "2021-10-01");
  for (int page = 0; page < 10 && !url.empty(); ++page) {
    Answer a = gallery_.Call("GET", url, "", "bob");
    ASSERT_EQ(a.status, 200) << a.text;
    EXPECT_LE(a.body["value"].size(), 2u);
    for (const std::string& n : Names(a)) {
      seen.push_back(n);
    }
    url = a.body.value("nextLink", "");
    if (!url.empty()) {
      url = url.substr(url.find("/subscriptions/"));
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"d1", "d3", "d5", "d6"}));
}

TEST_F(AccessTest, SubscriptionsAreThoseWhereTheCallerHoldsARole) {
  MakeWorld({"d1"}, {"1.0.0"});
  gallery_.AddPrincipal("nobody", domain::PrincipalKind::kUser);
  domain::Caller carol = gallery_.AddPrincipal("carol", domain::PrincipalKind::kUser);
  Grant(Ver("1.0.0"), carol, kReader);
  Answer none = gallery_.Call("GET", "/subscriptions?api-version=2019-11-01", "", "nobody");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.body["value"].empty());
  Answer hidden = gallery_.Call("GET", gallery_.Sub() + "?api-version=2019-11-01", "", "nobody");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.ErrorCode(), "SubscriptionNotFound");
  Answer some = gallery_.Call("GET", "/subscriptions?api-version=2019-11-01", "", "carol");
  ASSERT_EQ(some.status, 200);
  ASSERT_EQ(some.body["value"].size(), 1u);
  EXPECT_EQ(some.body["value"][0].value("subscriptionId", ""), gallery_.boot().subscription_id);
  EXPECT_EQ(gallery_.Call("GET", gallery_.Sub() + "?api-version=2019-11-01", "", "carol").status,
            200);
  // A resource read is refused (403), not hidden, once the subscription is visible.
  Answer group = gallery_.Call("GET", Q(Group(), "2021-04-01"), "", "carol");
  EXPECT_EQ(group.status, 403);
  EXPECT_EQ(group.ErrorCode(), "AuthorizationFailed");
  // Usages are a subscription-level read.
  EXPECT_EQ(gallery_
                .Call("GET",
                      Q(gallery_.Sub() + "/providers/Microsoft.Compute/locations/"
                                         "southcentralus/usages",
                        "2022-11-01"),
                      "", "carol")
                .status,
            403);
}

TEST_F(AccessTest, OnlyThoseAllowedToWriteAssignmentsShareFurther) {
  MakeWorld({"d1"}, {"1.0.0"});
  domain::Caller contributor = gallery_.AddPrincipal("contrib", domain::PrincipalKind::kUser);
  domain::Caller owner = gallery_.AddPrincipal("owner", domain::PrincipalKind::kUser);
  domain::Caller friend_ = gallery_.AddPrincipal("friend", domain::PrincipalKind::kUser);
  Grant(Gallery(), contributor, kContributor);
  Grant(Gallery(), owner, kOwner);
  Answer refused = gallery_.Assign(Def(), friend_.object_id, kReader, "User", "contrib");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.ErrorCode(), "AuthorizationFailed");
  EXPECT_NE(refused.ErrorMessage().find("Microsoft.Authorization/roleAssignments/write"),
            std::string::npos);
  // An Owner of the gallery shares inside it, not above it.
  EXPECT_EQ(gallery_.Assign(Def(), friend_.object_id, kReader, "User", "owner").status, 201);
  EXPECT_EQ(gallery_.Assign(Group(), friend_.object_id, kReader, "User", "owner").status, 403);
  EXPECT_EQ(gallery_.Call("GET", Q(Ver("1.0.0"), "2022-03-03"), "", "friend").status, 200);
  // The contributor reads assignments but cannot delete them.
  Answer list = gallery_.Call(
      "GET", Q(Def() + "/providers/Microsoft.Authorization/roleAssignments", "2022-04-01"), "",
      "contrib");
  ASSERT_EQ(list.status, 200) << list.text;
  ASSERT_FALSE(list.body["value"].empty());
  const std::string some_id = list.body["value"][0].value("id", "");
  Answer del = gallery_.Call("DELETE", Q(some_id, "2022-04-01"), "", "contrib");
  EXPECT_EQ(del.status, 403);
}

TEST_F(AccessTest, CustomRolesGrantTheirActions) {
  MakeWorld({"d1"}, {"1.0.0"});
  const std::string role_id = "7d1f0000-0000-4000-8000-000000000001";
  json body = {{"properties",
                {{"roleName", "Version Reader"},
                 {"type", "CustomRole"},
                 {"description", "reads versions"},
                 {"permissions",
                  {{{"actions", {"Microsoft.Compute/galleries/images/versions/read"}},
                    {"notActions", json::array()}}}},
                 {"assignableScopes", {gallery_.Sub()}}}}};
  Answer made = gallery_.CallJson(
      "PUT",
      Q(gallery_.Sub() + "/providers/Microsoft.Authorization/roleDefinitions/" + role_id,
        "2022-04-01"),
      body);
  ASSERT_EQ(made.status, 201) << made.text;
  EXPECT_EQ(made.body["properties"].value("type", ""), "CustomRole");
  Answer found = gallery_.Call(
      "GET", Q(Gallery() + "/providers/Microsoft.Authorization/roleDefinitions?$filter=" +
                   "roleName%20eq%20%27Version%20Reader%27",
               "2018-01-01-preview"));
  ASSERT_EQ(found.status, 200) << found.text;
  ASSERT_EQ(found.body["value"].size(), 1u);
  EXPECT_EQ(found.body["value"][0].value("name", ""), role_id);
  domain::Caller dave = gallery_.AddPrincipal("dave", domain::PrincipalKind::kUser);
  Grant(Gallery(), dave, role_id.c_str());
  EXPECT_EQ(gallery_.Call("GET", Q(Ver("1.0.0"), "2022-03-03"), "", "dave").status, 200);
  EXPECT_EQ(gallery_.Call("GET", Q(Def(), "2021-10-01"), "", "dave").status, 403);
  // A role in use cannot be deleted.
  Answer in_use = gallery_.Call(
      "DELETE", Q(gallery_.Sub() + "/providers/Microsoft.Authorization/roleDefinitions/" + role_id,
                  "2022-04-01"));
  EXPECT_EQ(in_use.status, 409);
  EXPECT_EQ(in_use.ErrorCode(), "RoleDefinitionHasAssignments");
}

TEST_F(AccessTest, OperationStatusIsAsReadableAsItsResource) {
  MakeWorld({"d1"});
  domain::Caller writer = gallery_.AddPrincipal("writer", domain::PrincipalKind::kUser);
  domain::Caller stranger = gallery_.AddPrincipal("stranger", domain::PrincipalKind::kUser);
  Grant(Gallery(), writer, kContributor);
  Grant(Group(), stranger, kReader);
  Put(Group("rg2"), "2021-04-01", InProcessGallery::Located());
  Answer put = gallery_.CallJson("PUT", Q(Def("d9"), "2021-10-01"),
                                 InProcessGallery::Definition("s9"), "writer");
  ASSERT_EQ(put.status, 201) << put.text;
  ASSERT_FALSE(put.async_operation.empty());
  const std::string op = put.async_operation.substr(put.async_operation.find("/subscriptions/"));
  Answer mine = gallery_.Call("GET", op, "", "writer");
  EXPECT_EQ(mine.status, 200) << mine.text;
  EXPECT_EQ(mine.body.value("status", ""), "InProgress");
  // A reader of the group reads the operation too; a principal with a role elsewhere does not.
  EXPECT_EQ(gallery_.Call("GET", op, "", "stranger").status, 200);
  domain::Caller elsewhere = gallery_.AddPrincipal("elsewhere", domain::PrincipalKind::kUser);
  Grant(Group("rg2"), elsewhere, kReader);
  Answer theirs = gallery_.Call("GET", op, "", "elsewhere");
  EXPECT_EQ(theirs.status, 403) << theirs.text;
  EXPECT_EQ(theirs.ErrorCode(), "AuthorizationFailed");
  EXPECT_NE(theirs.ErrorMessage().find("'Microsoft.Compute/locations/operations/read'"),
            std::string::npos);
  EXPECT_NE(theirs.ErrorMessage().find("/providers/Microsoft.Compute/locations/southcentralus/"
                                       "operations/"),
            std::string::npos)
      << theirs.text;
}

TEST_F(AccessTest, DeletingAResourceRemovesTheAssignmentsAtAndBelowIt) {
  MakeWorld({"d1"}, {"1.0.0"});
  domain::Caller erin = gallery_.AddPrincipal("erin", domain::PrincipalKind::kUser);
  Grant(Ver("1.0.0"), erin, kReader);
  ASSERT_EQ(gallery_.Call("GET", Q(Ver("1.0.0"), "2022-03-03"), "", "erin").status, 200);
  ASSERT_EQ(gallery_.Call("DELETE", Q(Ver("1.0.0"), "2022-03-03")).status, 202);
  gallery_.RunOperations();
  // A new version of the same name is not shared with anyone.
  Put(Ver("1.0.0"), "2022-03-03", InProcessGallery::Version(ImageId(Group())));
  gallery_.RunOperations();
  EXPECT_EQ(gallery_.Call("GET", Q(Ver("1.0.0"), "2022-03-03"), "", "erin").status, 403);
  Answer left =
      gallery_.Call("GET", Q(Def() + "/providers/Microsoft.Authorization/roleAssignments?$filter=" +
                                 "principalId%20eq%20%27" + erin.object_id + "%27",
                             "2022-04-01"));
  ASSERT_EQ(left.status, 200);
  EXPECT_TRUE(left.body["value"].empty()) << left.text;
}

TEST_F(AccessTest, ASourceIsUsableAcrossSubscriptionsOfOneTenantOnly) {
  // Subscription A (the bootstrap one) holds the image; B, of the same tenant, the gallery.
  const std::string sub_b = "0000000b-0000-0000-0000-000000000000";
  gallery_.AddSubscription(sub_b, gallery_.boot().tenant_id);
  gallery_.MakeOwner(ResourceId::ForSubscription(sub_b), gallery_.boot().object_id);
  const std::string group_a = Group("images");
  Put(group_a, "2021-04-01", InProcessGallery::Located());
  Put(ImageId(group_a), "2022-11-01", InProcessGallery::Image());
  const std::string group_b = "/subscriptions/" + sub_b + "/resourceGroups/rg1";
  const std::string def_b = group_b + "/providers/Microsoft.Compute/galleries/g1/images/d1";
  Put(group_b, "2021-04-01", InProcessGallery::Located());
  Put(group_b + "/providers/Microsoft.Compute/galleries/g1", "2021-10-01",
      InProcessGallery::Located());
  Put(def_b, "2021-10-01", InProcessGallery::Definition("s"));
  gallery_.RunOperations();

  domain::Caller frank = gallery_.AddPrincipal("frank", domain::PrincipalKind::kServicePrincipal);
  Grant(def_b, frank, kContributor, "ServicePrincipal");
  // Without read on the source: refused, naming the source.
  Answer refused = gallery_.CallJson("PUT", Q(def_b + "/versions/1.0.0", "2022-03-03"),
                                     InProcessGallery::Version(ImageId(group_a)), "frank");
  EXPECT_EQ(refused.status, 403) << refused.text;
  EXPECT_EQ(refused.ErrorCode(), "LinkedAuthorizationFailed");
  EXPECT_NE(refused.ErrorMessage().find("'Microsoft.Compute/images/read' on the linked scope(s) '" +
                                        ImageId(group_a) + "'"),
            std::string::npos)
      << refused.text;
  // With Reader on the image in A: the version in B is made from it.
  Grant(ImageId(group_a), frank, kReader, "ServicePrincipal");
  Answer made = gallery_.CallJson("PUT", Q(def_b + "/versions/1.0.0", "2022-03-03"),
                                  InProcessGallery::Version(ImageId(group_a)), "frank");
  ASSERT_EQ(made.status, 201) << made.text;
  EXPECT_EQ(made.body["properties"]["storageProfile"]["source"].value("id", ""), ImageId(group_a));

  // A source in another tenant's subscription is refused whatever the roles.
  const std::string sub_x = "0000000c-0000-0000-0000-000000000000";
  gallery_.AddSubscription(sub_x, "other-tenant");
  Answer foreign = gallery_.CallJson(
      "PUT", Q(def_b + "/versions/1.0.1", "2022-03-03"),
      InProcessGallery::Version("/subscriptions/" + sub_x +
                                "/resourceGroups/rg/providers/Microsoft.Compute/images/img1"),
      "frank");
  EXPECT_EQ(foreign.status, 403) << foreign.text;
  EXPECT_EQ(foreign.ErrorCode(), "CrossTenantSourceNotAllowed");
  EXPECT_NE(foreign.ErrorMessage().find("another tenant"), std::string::npos);
}

}  // namespace
}  // namespace gallery::testing
