// The activity log of the real galleryd: writes, deletes, refused writes and long-running
// operations' completions are recorded with who, what, where, when, the result and the request
// ids; reads are not; the Azure listing API filters, pages and refuses bad filters.

#include "arm_test_fixture.h"
#include "client/url.h"
#include "common/time.h"

namespace gallery::testing {
namespace {

constexpr char kInsightsApi[] = "2015-04-01";
constexpr int64_t kHourMs = 3600 * 1000;

class ActivityLogTest : public ArmFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  std::string LogPath() const {
    return Sub() + "/providers/microsoft.insights/eventtypes/management/values";
  }
  // The time range from an hour ago to an hour ahead, as a $filter.
  static std::string Range() {
    const TimestampMs now = SystemClock().Now();
    return "eventTimestamp ge '" + FormatTimestamp(now - kHourMs) + "' and eventTimestamp le '" +
           FormatTimestamp(now + kHourMs) + "'";
  }
  std::string LogUrl(const std::string& filter, const std::string& extra = "") const {
    return LogPath() + "?api-version=" + kInsightsApi + "&$filter=" + PercentEncode(filter) + extra;
  }
  // Sends with the request ids a client sets.
  HttpResult CallWithIds(const std::string& method, const std::string& url,
                         const std::string& correlation, const json& body = nullptr) {
    HttpCall call;
    call.method = method;
    call.url = url;
    call.headers = {{"x-ms-correlation-request-id", correlation},
                    {"x-ms-client-request-id", "client-" + correlation}};
    if (!body.is_null()) {
      call.body = body.dump();
      call.headers.push_back({"Content-Type", "application/json"});
    }
    Result<HttpResult> r = client_->Send(call);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResult{};
  }
  // Every event matching `filter` (all pages), waiting up to 10 s until there are at least
  // `at_least` (events are written in the background).
  json Events(const std::string& filter, size_t at_least = 1) {
    json all = json::array();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      all = json::array();
      std::string url = LogUrl(filter);
      for (int pages = 0; !url.empty() && pages < 100; ++pages) {
        HttpResult r = Call("GET", url);
        EXPECT_EQ(r.status, 200) << r.body;
        if (r.status != 200) {
          return all;
        }
        json page = Body(r);
        for (const json& e : page["value"]) {
          all.push_back(e);
        }
        url = page.value("nextLink", "");
      }
      if (all.size() >= at_least) {
        return all;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return all;
  }
  json ByCorrelation(const std::string& correlation, size_t at_least = 1) {
    return Events(Range() + " and correlationId eq '" + correlation + "'", at_least);
  }
};

TEST_F(ActivityLogTest, ASynchronousWriteRecordsWhoWhatWhereWhenAndTheResult) {
  HttpResult put =
      CallWithIds("PUT", Q(Rg("rg1"), kRgApi), "corr-rg", {{"location", kSouthCentral}});
  ASSERT_EQ(put.status, 201) << put.body;
  json events = ByCorrelation("corr-rg");
  ASSERT_EQ(events.size(), 1u) << events.dump();
  const json& e = events[0];
  EXPECT_EQ(e["authorization"]["action"], "Microsoft.Resources/subscriptions/resourceGroups/write");
  EXPECT_EQ(e["authorization"]["scope"], Rg("rg1"));
  EXPECT_EQ(e["operationName"]["value"], "Microsoft.Resources/subscriptions/resourceGroups/write");
  EXPECT_EQ(e["resourceId"], Rg("rg1"));
  EXPECT_EQ(e["resourceGroupName"], "rg1");
  EXPECT_EQ(e["subscriptionId"], sub_);
  EXPECT_EQ(e["tenantId"], bootstrap_["tenantId"]);
  EXPECT_EQ(e["caller"], "gallery-admin");
  EXPECT_FALSE(e["claims"]["http://schemas.microsoft.com/identity/claims/objectidentifier"]
                   .get<std::string>()
                   .empty());
  EXPECT_EQ(e["status"]["value"], "Succeeded");
  EXPECT_EQ(e["subStatus"]["value"], "Created");
  EXPECT_EQ(e["properties"]["statusCode"], "Created");
  EXPECT_EQ(e["properties"]["httpStatusCode"], "201");
  EXPECT_EQ(e["correlationId"], "corr-rg");
  EXPECT_EQ(e["httpRequest"]["clientRequestId"], "client-corr-rg");
  EXPECT_EQ(e["httpRequest"]["method"], "PUT");
  EXPECT_EQ(e["httpRequest"]["clientIpAddress"], "127.0.0.1");
  EXPECT_EQ(e["category"]["value"], "Administrative");
  EXPECT_EQ(e["level"], "Informational");
  EXPECT_FALSE(e["eventDataId"].get<std::string>().empty());
  const TimestampMs when = *ParseTimestamp(e["eventTimestamp"].get<std::string>(), "t");
  EXPECT_LE(std::abs(when - SystemClock().Now()), 60 * 1000);
  EXPECT_GE(*ParseTimestamp(e["submissionTimestamp"].get<std::string>(), "t"), when);
}

TEST_F(ActivityLogTest, ALongRunningWriteLogsStartedThenItsCompletionWithTheSameIds) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"operations": {"minDurationMs": 1500}})"));
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  HttpResult put = CallWithIds("PUT", Q(GalleryPath("gal1"), kGalleryApi), "corr-g", GalleryBody());
  ASSERT_EQ(put.status, 201) << put.body;
  json started = ByCorrelation("corr-g");
  ASSERT_EQ(started.size(), 1u) << started.dump();  // not complete yet
  EXPECT_EQ(started[0]["status"]["value"], "Started");
  EXPECT_EQ(started[0]["eventName"]["value"], "BeginRequest");
  const std::string op = started[0]["operationId"];
  EXPECT_NE(put.Header("Azure-AsyncOperation").value_or("").find(op), std::string::npos);
  WaitSucceeded(GalleryPath("gal1"), kGalleryApi);
  json both = ByCorrelation("corr-g", 2);
  ASSERT_EQ(both.size(), 2u) << both.dump();
  const json& done = both[0];  // newest first
  EXPECT_EQ(done["status"]["value"], "Succeeded");
  EXPECT_EQ(done["operationId"], op);
  EXPECT_EQ(done["operationName"]["value"], "Microsoft.Compute/galleries/write");
  EXPECT_EQ(done["resourceId"], GalleryPath("gal1"));
  EXPECT_EQ(done["httpRequest"]["clientRequestId"], "client-corr-g");
  EXPECT_EQ(done["caller"], "gallery-admin");
  EXPECT_GE(done["eventTimestamp"].get<std::string>(),
            both[1]["eventTimestamp"].get<std::string>());

  HttpResult del = CallWithIds("DELETE", Q(GalleryPath("gal1"), kGalleryApi), "corr-del");
  ASSERT_EQ(del.status, 202) << del.body;
  WaitGone(GalleryPath("gal1"), kGalleryApi);
  json deleted = ByCorrelation("corr-del", 2);
  ASSERT_EQ(deleted.size(), 2u) << deleted.dump();
  EXPECT_EQ(deleted[0]["operationName"]["value"], "Microsoft.Compute/galleries/delete");
  EXPECT_EQ(deleted[0]["status"]["value"], "Succeeded");
  EXPECT_EQ(deleted[1]["status"]["value"], "Started");
  EXPECT_EQ(deleted[1]["subStatus"]["value"], "Accepted");
}

TEST_F(ActivityLogTest, RefusedWritesAreFailedEventsWithTheErrorAndReadsAreNotRecorded) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  // Reads first: once the later events are listed, these would be too, had they been recorded.
  ASSERT_EQ(CallWithIds("GET", Q(GalleryPath("gal1"), kGalleryApi), "corr-read").status, 200);
  ASSERT_EQ(CallWithIds("GET", Q(GalleryPath("nope"), kGalleryApi), "corr-read").status, 404);
  HttpResult bad =
      CallWithIds("PUT", Q(GalleryPath("bad-name"), kGalleryApi), "corr-bad", GalleryBody());
  ASSERT_EQ(bad.status, 400) << bad.body;
  HttpResult busy = CallWithIds("DELETE", Q(GalleryPath("gal1"), kGalleryApi), "corr-busy");
  ASSERT_EQ(busy.status, 409) << busy.body;

  json refused = ByCorrelation("corr-bad");
  ASSERT_EQ(refused.size(), 1u) << refused.dump();
  EXPECT_EQ(refused[0]["status"]["value"], "Failed");
  EXPECT_EQ(refused[0]["level"], "Error");
  EXPECT_EQ(refused[0]["subStatus"]["value"], "BadRequest");
  EXPECT_EQ(refused[0]["properties"]["httpStatusCode"], "400");
  json message = json::parse(refused[0]["properties"]["statusMessage"].get<std::string>());
  EXPECT_EQ(message["error"]["code"], Body(bad)["error"]["code"]);
  json conflict = ByCorrelation("corr-busy");
  ASSERT_EQ(conflict.size(), 1u);
  EXPECT_EQ(conflict[0]["operationName"]["value"], "Microsoft.Compute/galleries/delete");
  EXPECT_EQ(conflict[0]["subStatus"]["value"], "Conflict");
  EXPECT_TRUE(Events(Range() + " and correlationId eq 'corr-read'", 0).empty());
}

TEST_F(ActivityLogTest, FiltersByGroupAndResourceAndPagesWithNextLink) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"limits": {"listPageSize": 2}})"));
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg1"));
  ASSERT_NO_FATAL_FAILURE(CreateGroup("rg2"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("gal1", "rg1"));
  ASSERT_NO_FATAL_FAILURE(CreateGallery("gal2", "rg2"));
  // Per group: its creation, and the gallery's Started and Succeeded events.
  json rg1 = Events(Range() + " and resourceGroupName eq 'RG1'", 3);
  ASSERT_EQ(rg1.size(), 3u) << rg1.dump();
  for (const json& e : rg1) {
    EXPECT_EQ(e["resourceGroupName"], "rg1");
  }
  json gal2 = Events(Range() + " and resourceUri eq '" + GalleryPath("gal2", "rg2") + "'", 2);
  ASSERT_EQ(gal2.size(), 2u) << gal2.dump();
  // Paging: the first page holds two events and a nextLink that keeps the filter.
  HttpResult first = Call("GET", LogUrl(Range()));
  ASSERT_EQ(first.status, 200) << first.body;
  json page = Body(first);
  EXPECT_EQ(page["value"].size(), 2u);
  const std::string next = page.value("nextLink", "");
  ASSERT_EQ(next.rfind("https://", 0), 0u) << page.dump();
  EXPECT_NE(next.find("$filter="), std::string::npos);
  EXPECT_NE(next.find("api-version=2015-04-01"), std::string::npos);
  json all = Events(Range(), 6);
  ASSERT_EQ(all.size(), 6u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i - 1]["eventTimestamp"].get<std::string>(),
              all[i]["eventTimestamp"].get<std::string>());
  }
  // A time range with nothing in it.
  EXPECT_TRUE(
      Events("eventTimestamp ge '2001-01-01' and eventTimestamp le '2001-01-02'", 0).empty());
  // $select keeps only what it names.
  HttpResult selected = Call("GET", LogUrl(Range(), "&$select=" + PercentEncode("caller, status")));
  ASSERT_EQ(selected.status, 200) << selected.body;
  const json selected_page = Body(selected);
  for (const json& e : selected_page["value"]) {
    EXPECT_EQ(e.size(), 2u) << e.dump();
    EXPECT_TRUE(e.contains("caller") && e.contains("status")) << e.dump();
  }
}

TEST_F(ActivityLogTest, BadOrMissingFiltersAreBadRequestsThatSayWhy) {
  HttpResult missing = Call("GET", LogPath() + "?api-version=" + kInsightsApi);
  ExpectError(missing, 400, "BadRequest", {"missing", "eventTimestamp ge"});
  ExpectTarget(missing, "$filter");
  ExpectError(Call("GET", LogUrl("eventTimestamp ge '2030-01-01'")), 400, "BadRequest",
              {"eventTimestamp le"});
  ExpectError(Call("GET", LogUrl("eventTimestamp ge '2030-01-01' and eventTimestamp le "
                                 "'2030-06-01'")),
              400, "BadRequest", {"90 days"});
  ExpectError(Call("GET", LogUrl(Range() + " and level eq 'Error'")), 400, "BadRequest",
              {"'level'"});
  ExpectError(Call("GET", LogUrl(Range(), "&$select=password")), 400, "BadRequest", {"'password'"});
  ExpectError(Call("GET", LogUrl(Range(), "&$skiptoken=bm9rZXk")), 400, "InvalidSkipToken");
  ExpectError(Call("GET", LogPath() + "?api-version=2021-04-01&$filter=" + PercentEncode(Range())),
              400, "InvalidApiVersionParameter", {"2015-04-01"});
  ExpectError(Call("GET",
                   "/subscriptions/00000000-0000-0000-0000-000000000000/providers/"
                   "microsoft.insights/eventtypes/management/values?api-version=" +
                       std::string(kInsightsApi) + "&$filter=" + PercentEncode(Range())),
              404, "SubscriptionNotFound");
  HttpResult post = Call("POST", LogUrl(Range()), json::object());
  ExpectError(post, 405, "MethodNotAllowed");
}

TEST_F(ActivityLogTest, EventsSurviveARestart) {
  ASSERT_EQ(
      CallWithIds("PUT", Q(Rg("rg1"), kRgApi), "corr-keep", {{"location", kSouthCentral}}).status,
      201);
  ASSERT_EQ(ByCorrelation("corr-keep").size(), 1u);
  ASSERT_EQ(server_->Stop(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  json kept = ByCorrelation("corr-keep");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0]["resourceId"], Rg("rg1"));
}

TEST_F(ActivityLogTest, AnAnsweredWriteIsLoggedEvenIfGallerydIsKilledRightAfter) {
  // Each answer is sent only once its event is durable: kill -9 at once loses none of them.
  for (int i = 0; i < 5; ++i) {
    const std::string rg = "rg-kill" + std::to_string(i);
    ASSERT_EQ(CallWithIds("PUT", Q(Rg(rg), kRgApi), "corr-kill-" + std::to_string(i),
                          {{"location", kSouthCentral}})
                  .status,
              201);
  }
  ASSERT_EQ(Call("PUT", Q(Rg("bad"), kRgApi), {{"location", "nowhere"}}).status, 400);
  server_->Kill();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  for (int i = 0; i < 5; ++i) {
    json kept = Events(Range() + " and correlationId eq 'corr-kill-" + std::to_string(i) + "'", 1);
    ASSERT_EQ(kept.size(), 1u) << i;
    EXPECT_EQ(kept[0]["status"]["value"], "Succeeded");
  }
  EXPECT_EQ(Events(Range() + " and resourceGroupName eq 'bad'", 1).size(), 1u);
}

}  // namespace
}  // namespace gallery::testing
