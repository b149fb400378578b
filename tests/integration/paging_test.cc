// List paging of the real galleryd with a small page size: nextLink is an absolute URL followed
// verbatim, pages hold every item once, in name order; a forged $skiptoken is refused.

#include <set>

#include "arm_test_fixture.h"
#include "common/base64.h"

namespace gallery::testing {
namespace {

class PagingTest : public ArmFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer(R"({"limits": {"listPageSize": 5}})"));
    ASSERT_NO_FATAL_FAILURE(CreateBasics());
  }

  // Follows nextLink from `first`; returns the page sizes and fills `names`.
  std::vector<size_t> FollowPages(const std::string& first, std::vector<std::string>* names) {
    std::vector<size_t> sizes;
    std::string url = first;
    for (int guard = 0; !url.empty() && guard < 20; ++guard) {
      HttpResult r = Call("GET", url);
      EXPECT_EQ(r.status, 200) << url << ": " << r.body;
      json page = Body(r);
      sizes.push_back(page["value"].size());
      for (const json& item : page["value"]) {
        names->push_back(item["name"].get<std::string>());
      }
      url.clear();
      if (page.contains("nextLink") && !page["nextLink"].is_null()) {
        url = page["nextLink"].get<std::string>();
        EXPECT_EQ(url.rfind(server_->endpoint() + "/subscriptions/", 0), 0u) << url;
        EXPECT_NE(url.find("api-version="), std::string::npos) << url;
        EXPECT_NE(url.find("$skiptoken="), std::string::npos) << url;
      }
    }
    return sizes;
  }
};

TEST_F(PagingTest, TwelveVersionsListAsFiveFiveTwoFollowingNextLinkVerbatim) {
  std::vector<std::string> expected;
  for (int i = 10; i < 22; ++i) {
    const std::string v = "1.0." + std::to_string(i);
    ASSERT_EQ(Call("PUT", Q(VerPath(v), kVersionApi), VersionBody()).status, 201) << v;
    expected.push_back(v);
  }
  std::vector<std::string> names;
  std::vector<size_t> sizes = FollowPages(Q(DefPath("def1") + "/versions", kVersionApi), &names);
  EXPECT_EQ(sizes, std::vector<size_t>({5, 5, 2}));
  EXPECT_EQ(names, expected);  // every version once, in name order
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  // The query options of the first request are kept on the following pages.
  std::vector<std::string> expanded;
  FollowPages(Q(DefPath("def1") + "/versions?$expand=ReplicationStatus", kVersionApi), &expanded);
  EXPECT_EQ(expanded, expected);
  HttpResult second = Call("GET", Q(DefPath("def1") + "/versions?$expand=ReplicationStatus", kVersionApi));
  std::string next = Body(second)["nextLink"].get<std::string>();
  EXPECT_TRUE(Body(Call("GET", next))["value"][0]["properties"].contains("replicationStatus")) << next;
}

TEST_F(PagingTest, GalleriesAndResourceGroupsPageToo) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_NO_FATAL_FAILURE(CreateGroup("grp" + std::to_string(i)));
    ASSERT_EQ(Call("PUT", Q(GalleryPath("g" + std::to_string(i), "grp" + std::to_string(i)), kGalleryApi),
                   GalleryBody())
                  .status,
              201);
  }
  std::vector<std::string> galleries;
  EXPECT_EQ(FollowPages(Q(Sub() + "/providers/Microsoft.Compute/galleries", kGalleryApi), &galleries),
            std::vector<size_t>({5, 2}));
  std::sort(galleries.begin(), galleries.end());
  EXPECT_EQ(galleries, std::vector<std::string>({"g0", "g1", "g2", "g3", "g4", "g5", "gal1"}));
  std::vector<std::string> groups;
  EXPECT_EQ(FollowPages(Q(Sub() + "/resourceGroups", kRgApi), &groups), std::vector<size_t>({5, 2}));
  EXPECT_EQ(std::set<std::string>(groups.begin(), groups.end()).size(), 7u);
}

TEST_F(PagingTest, LatestLooksAtEveryPageOfVersions) {
  for (int i = 10; i < 22; ++i) {
    ASSERT_EQ(Call("PUT", Q(VerPath("1.0." + std::to_string(i)), kVersionApi), VersionBody()).status, 201);
  }
  // The highest version sorts last as a name: on the third page.
  for (int i = 10; i < 22; ++i) {
    WaitSucceeded(VerPath("1.0." + std::to_string(i)), kVersionApi);
  }
  HttpResult r = Call("GET", Q(DefPath("def1") + "/versions/latest", kVersionApi));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["name"], "1.0.21");
}

TEST_F(PagingTest, ForgedSkipTokenIsRefusedWith400) {
  for (int i = 10; i < 17; ++i) {
    ASSERT_EQ(Call("PUT", Q(VerPath("1.0." + std::to_string(i)), kVersionApi), VersionBody()).status, 201);
  }
  const std::string list = DefPath("def1") + "/versions?api-version=" + kVersionApi;
  for (const std::string& token : std::vector<std::string>{"garbage!!", "%00%01", Base64UrlEncode("not-a-key")}) {
    SCOPED_TRACE(token);
    HttpResult r = Call("GET", list + "&$skiptoken=" + token);
    ExpectError(r, 400, "InvalidSkipToken", {"$skiptoken"});
    ExpectTarget(r, "$skiptoken");
  }
}

TEST_F(PagingTest, SkipTokenOfAnotherCollectionIsRefusedWith400) {
  // A well-formed token that names a key outside the listed collection (another subscription)
  // is forged too: it must not be used to position (or leak) another scope's listing.
  for (int i = 10; i < 17; ++i) {
    ASSERT_EQ(Call("PUT", Q(VerPath("1.0." + std::to_string(i)), kVersionApi), VersionBody()).status, 201);
  }
  const std::string list = DefPath("def1") + "/versions?api-version=" + kVersionApi;
  const std::string foreign = Base64UrlEncode("/subscriptions/zzzz/resourcegroups/x");
  HttpResult r = Call("GET", list + "&$skiptoken=" + foreign);
  ExpectError(r, 400, "InvalidSkipToken", {"$skiptoken"});
}

}  // namespace
}  // namespace gallery::testing
