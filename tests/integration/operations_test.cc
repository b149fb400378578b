// The long-running operation protocol of the real galleryd: the Azure-AsyncOperation status URL,
// the Location result URL, state advancing without polling (--no-wait), replication status, and
// unknown operations. Operations are slowed down with operations.minDurationMs so that the
// in-progress answers can be observed.

#include "arm_test_fixture.h"

namespace gallery::testing {
namespace {

constexpr char kSlow[] = R"({"operations": {"minDurationMs": 1500}})";

class OperationsTest : public ArmFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer(kSlow)); }

  // rg1, gal1, def1 and img1 PUT without waiting for their operations (children may be created
  // while their parents are still Creating).
  void PutBasicsNoWait() {
    ASSERT_NO_FATAL_FAILURE(CreateGroup());
    ASSERT_EQ(Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody()).status, 201);
    ASSERT_EQ(Call("PUT", Q(DefPath("def1"), kGalleryApi), DefBody()).status, 201);
    ASSERT_EQ(Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody()).status, 201);
    // A version copies its image's data, so the image (its blob ingested) must be done first.
    WaitSucceeded(ImagePath("img1"), kImageApi);
  }

  static std::string LastSegment(const std::string& url) {
    std::string path = url.substr(0, url.find('?'));
    return path.substr(path.rfind('/') + 1);
  }
};

TEST_F(OperationsTest, AsyncOperationUrlAnswersInProgressWithRetryAfterThenSucceededWithTimes) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  const auto start = std::chrono::steady_clock::now();
  HttpResult put = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody());
  ASSERT_EQ(put.status, 201) << put.body;
  ASSERT_NO_FATAL_FAILURE(ExpectAsyncHeaders(put, kSouthCentral));
  const std::string url = *put.Header("Azure-AsyncOperation");
  EXPECT_NE(url.find("api-version=" + std::string(kGalleryApi)), std::string::npos) << url;
  HttpResult running = Call("GET", url);
  ASSERT_EQ(running.status, 200) << running.body;
  json r = Body(running);
  EXPECT_EQ(r["status"], "InProgress") << r.dump();
  EXPECT_EQ(r["name"], LastSegment(url));
  EXPECT_TRUE(r.contains("startTime")) << r.dump();
  EXPECT_FALSE(r.contains("endTime")) << r.dump();
  EXPECT_EQ(running.Header("Retry-After").value_or(""), "1");
  json done = WaitOperation(url);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(done["status"], "Succeeded") << done.dump();
  EXPECT_GE(elapsed, std::chrono::milliseconds(1400));
  ASSERT_TRUE(done.contains("startTime") && done.contains("endTime")) << done.dump();
  EXPECT_EQ(done["startTime"], r["startTime"]);
  EXPECT_LE(done["startTime"].get<std::string>(), done["endTime"].get<std::string>());
  HttpResult final_status = Call("GET", url);
  EXPECT_FALSE(final_status.Header("Retry-After").has_value());
  EXPECT_EQ(Body(Call("GET", Q(GalleryPath("gal1"), kGalleryApi)))["properties"]["provisioningState"],
            "Succeeded");
}

TEST_F(OperationsTest, LocationUrlAnswers202WhileRunningThen200WithTheResource) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  HttpResult put = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody(kSouthCentral, "d"));
  ASSERT_EQ(put.status, 201) << put.body;
  const std::string location = put.Header("Location").value_or("");
  HttpResult running = Call("GET", location);
  EXPECT_EQ(running.status, 202) << running.body;
  EXPECT_EQ(running.Header("Retry-After").value_or(""), "1");
  WaitOperation(*put.Header("Azure-AsyncOperation"));
  HttpResult done = Call("GET", location);
  ASSERT_EQ(done.status, 200) << done.body;
  json g = Body(done);
  EXPECT_EQ(g["id"], GalleryPath("gal1"));
  EXPECT_EQ(g["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(g["properties"]["description"], "d");
  // A PATCH is an operation too: 200 Updating, then the Location URL yields the new state.
  HttpResult patch = Call("PATCH", Q(GalleryPath("gal1"), kGalleryApi),
                          {{"properties", {{"description", "e"}}}});
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(Body(patch)["properties"]["provisioningState"], "Updating");
  ASSERT_NO_FATAL_FAILURE(ExpectAsyncHeaders(patch, kSouthCentral));
  EXPECT_EQ(Call("GET", *patch.Header("Location")).status, 202);
  EXPECT_EQ(WaitOperation(*patch.Header("Azure-AsyncOperation"))["status"], "Succeeded");
  HttpResult patched = Call("GET", *patch.Header("Location"));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(patched)["properties"]["description"], "e");
}

TEST_F(OperationsTest, DeleteLocationUrlAnswers202WhileRunningThen204) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_EQ(Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody()).status, 201);
  WaitSucceeded(ImagePath("img1"), kImageApi);
  HttpResult del = Call("DELETE", Q(ImagePath("img1"), kImageApi));
  ASSERT_EQ(del.status, 202) << del.body;
  ASSERT_NO_FATAL_FAILURE(ExpectAsyncHeaders(del, kSouthCentral));
  // While it runs the resource reads as Deleting, with Retry-After.
  HttpResult deleting = Call("GET", Q(ImagePath("img1"), kImageApi));
  ASSERT_EQ(deleting.status, 200) << deleting.body;
  EXPECT_EQ(Body(deleting)["properties"]["provisioningState"], "Deleting");
  EXPECT_EQ(deleting.Header("Retry-After").value_or(""), "1");
  EXPECT_EQ(Call("GET", *del.Header("Location")).status, 202);
  EXPECT_EQ(Body(Call("GET", *del.Header("Azure-AsyncOperation")))["status"], "InProgress");
  // A second DELETE while the first runs joins it: same operation.
  HttpResult del2 = Call("DELETE", Q(ImagePath("img1"), kImageApi));
  EXPECT_EQ(del2.status, 202) << del2.body;
  EXPECT_EQ(del2.Header("Azure-AsyncOperation"), del.Header("Azure-AsyncOperation"));
  json done = WaitOperation(*del.Header("Azure-AsyncOperation"));
  EXPECT_EQ(done["status"], "Succeeded");
  EXPECT_TRUE(done.contains("endTime"));
  HttpResult result = Call("GET", *del.Header("Location"));
  EXPECT_EQ(result.status, 204) << result.body;
  EXPECT_TRUE(result.body.empty());
  ExpectError(Call("GET", Q(ImagePath("img1"), kImageApi)), 404, "ResourceNotFound", {"img1"});
}

TEST_F(OperationsTest, PutWhoseClientNeverPollsStillReachesSucceeded) {
  ASSERT_NO_FATAL_FAILURE(PutBasicsNoWait());
  HttpResult put = Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody());
  ASSERT_EQ(put.status, 201) << put.body;
  // Like `--no-wait`: never touch the operation URLs, only read the resources.
  HttpResult early = Call("GET", Q(VerPath("1.0.0"), kVersionApi));
  EXPECT_EQ(Body(early)["properties"]["provisioningState"], "Creating");
  EXPECT_EQ(early.Header("Retry-After").value_or(""), "1");
  // minDurationMs (1500) and the replication of a version without data: well within 3 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  for (const auto& [path, api] : std::vector<std::pair<std::string, std::string>>{
           {GalleryPath("gal1"), kGalleryApi},
           {DefPath("def1"), kGalleryApi},
           {ImagePath("img1"), kImageApi},
           {VerPath("1.0.0"), kVersionApi}}) {
    HttpResult r = Call("GET", Q(path, api));
    EXPECT_EQ(Body(r)["properties"]["provisioningState"], "Succeeded") << path;
    EXPECT_FALSE(r.Header("Retry-After").has_value()) << path;
  }
}

TEST_F(OperationsTest, ReplicationStatusGoesFromQueuedToCompleted) {
  ASSERT_NO_FATAL_FAILURE(PutBasicsNoWait());
  ASSERT_EQ(Call("PUT", Q(VerPath("1.0.0"), kVersionApi), VersionBody()).status, 201);
  const std::string expand = Q(VerPath("1.0.0") + "?$expand=ReplicationStatus", kVersionApi);
  json early = Body(Call("GET", expand));
  json status = early["properties"]["replicationStatus"];
  EXPECT_EQ(status["aggregatedState"], "InProgress") << early.dump();
  ASSERT_EQ(status["summary"].size(), 2u) << early.dump();
  EXPECT_EQ(status["summary"][0]["region"], "South Central US");
  EXPECT_EQ(status["summary"][1]["region"], "East US");
  for (const json& s : status["summary"]) {
    EXPECT_EQ(s["state"], "Queued") << s.dump();  // the operation is not due yet
    EXPECT_EQ(s["progress"], 0) << s.dump();
    EXPECT_EQ(s["replicasCompleted"], 0) << s.dump();
    EXPECT_EQ(s["replicasTotal"], 1) << s.dump();
  }
  // Without $expand there is no replicationStatus.
  json plain = Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)));
  EXPECT_FALSE(plain["properties"].contains("replicationStatus")) << plain.dump();
  WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  json late = Body(Call("GET", expand));
  status = late["properties"]["replicationStatus"];
  EXPECT_EQ(status["aggregatedState"], "Completed") << late.dump();
  ASSERT_EQ(status["summary"].size(), 2u);
  for (const json& s : status["summary"]) {
    EXPECT_EQ(s["state"], "Completed") << s.dump();
    EXPECT_EQ(s["progress"], 100) << s.dump();
  }
  // Adding a region replicates only the new one; unchanged regions stay Completed.
  json body = VersionBody();
  body["properties"]["publishingProfile"]["targetRegions"].push_back({{"name", "westus2"}});
  ASSERT_EQ(Call("PUT", Q(VerPath("1.0.0"), kVersionApi), body).status, 200);
  json updating = Body(Call("GET", expand));
  status = updating["properties"]["replicationStatus"];
  EXPECT_EQ(status["aggregatedState"], "InProgress") << updating.dump();
  ASSERT_EQ(status["summary"].size(), 3u) << updating.dump();
  EXPECT_EQ(status["summary"][0]["state"], "Completed");
  EXPECT_EQ(status["summary"][1]["state"], "Completed");
  EXPECT_EQ(status["summary"][2]["state"], "Queued");
  EXPECT_EQ(status["summary"][2]["progress"], 0);
  WaitSucceeded(VerPath("1.0.0"), kVersionApi);
  EXPECT_EQ(Body(Call("GET", expand))["properties"]["replicationStatus"]["aggregatedState"],
            "Completed");
}

TEST_F(OperationsTest, NothingCanBeCreatedOrChangedInWhatIsBeingDeleted) {
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  ASSERT_EQ(Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody()).status, 201);
  WaitSucceeded(ImagePath("img1"), kImageApi);
  ASSERT_EQ(Call("DELETE", Q(ImagePath("img1"), kImageApi)).status, 202);
  ExpectError(Call("PUT", Q(ImagePath("img1"), kImageApi), ImageBody()), 409,
              "ResourceIsBeingDeleted", {"img1", "being deleted"});
  ExpectError(Call("PATCH", Q(ImagePath("img1"), kImageApi), {{"tags", {{"a", "b"}}}}), 409,
              "ResourceIsBeingDeleted", {"img1"});
  HttpResult del = Call("DELETE", Q(Rg("rg1"), kRgApi));
  ASSERT_EQ(del.status, 202) << del.body;
  EXPECT_EQ(Body(Call("GET", Q(Rg("rg1"), kRgApi)))["properties"]["provisioningState"], "Deleting");
  ExpectError(Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody()), 409,
              "ParentResourceIsBeingDeleted", {"rg1"});
  ExpectError(Call("PUT", Q(Rg("rg1"), kRgApi), {{"location", kSouthCentral}}), 409,
              "ResourceIsBeingDeleted", {"rg1"});
  EXPECT_EQ(WaitOperation(*del.Header("Azure-AsyncOperation"))["status"], "Succeeded");
  ExpectAbsent(GalleryPath("gal1"), kGalleryApi);
  ExpectError(Call("GET", Q(Rg("rg1"), kRgApi)), 404, "ResourceGroupNotFound");
}

TEST_F(OperationsTest, UnknownOperationIdIs404OperationNotFound) {
  const std::string base = Sub() + "/providers/Microsoft.Compute/locations/southcentralus/";
  const std::string id = "00000000-0000-0000-0000-000000000000";
  ExpectError(Call("GET", Q(base + "capsOperations/" + id, kGalleryApi)), 404, "OperationNotFound",
              {id});
  ExpectError(Call("GET", Q(base + "operationResults/" + id, kGalleryApi)), 404,
              "OperationNotFound", {id});
  // A real operation id under another subscription is not found either.
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  HttpResult put = Call("PUT", Q(GalleryPath("gal1"), kGalleryApi), GalleryBody());
  ASSERT_EQ(put.status, 201);
  const std::string op = LastSegment(*put.Header("Azure-AsyncOperation"));
  const std::string other =
      "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Compute/locations/"
      "southcentralus/capsOperations/" + op;
  HttpResult foreign = Call("GET", Q(other, kGalleryApi));
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(Body(Call("GET", Q(base + "capsOperations/" + op, kGalleryApi)))["name"], op);
}

}  // namespace
}  // namespace gallery::testing
