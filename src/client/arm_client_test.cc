#include "client/arm_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "client/fake_transport.h"

namespace gallery {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using ::testing::ElementsAre;

constexpr char kGallery[] =
    "/subscriptions/S/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1";
constexpr char kGalleryUrl[] =
    "/subscriptions/S/resourceGroups/rg1/providers/Microsoft.Compute/galleries/"
    "gal1?api-version=2021-10-01";
constexpr char kOpUrl[] =
    "https://127.0.0.1:8443/subscriptions/S/providers/Microsoft.Compute/locations/westus/"
    "capsOperations/op1?api-version=2021-10-01";
constexpr char kLocationUrl[] =
    "https://127.0.0.1:8443/subscriptions/S/providers/Microsoft.Compute/locations/westus/"
    "operationResults/op1?api-version=2021-10-01";

class ArmClientTest : public ::testing::Test {
 protected:
  FakeTransport transport_;
  NoCredentialProvider no_credentials_;
  FakeRandom random_;
  FakeSleeper sleeper_;
  ArmClient arm_{transport_, no_credentials_, random_, sleeper_};
};

TEST_F(ArmClientTest, GetSendsApiVersionAndStandardHeaders) {
  transport_.RespondJson(200, {{"name", "gal1"}});
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["name"], "gal1");
  ASSERT_EQ(transport_.calls.size(), 1u);
  const HttpCall& call = transport_.calls[0];
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.url, kGalleryUrl);
  EXPECT_EQ(call.body, "");
  EXPECT_EQ(FindHeader(call.headers, "User-Agent"), "gallery-cli/0.1");
  EXPECT_EQ(FindHeader(call.headers, "Accept"), "application/json");
  EXPECT_FALSE(FindHeader(call.headers, "Authorization").has_value());
  EXPECT_FALSE(FindHeader(call.headers, "Content-Type").has_value());
  std::optional<std::string> id = FindHeader(call.headers, "x-ms-client-request-id");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(std::regex_match(
      *id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << *id;
}

TEST_F(ArmClientTest, EachRequestGetsAFreshClientRequestId) {
  transport_.RespondJson(200, json::object());
  transport_.RespondJson(200, json::object());
  ASSERT_TRUE(arm_.Get(kGallery, "2021-10-01").ok());
  ASSERT_TRUE(arm_.Get(kGallery, "2021-10-01").ok());
  EXPECT_NE(FindHeader(transport_.calls[0].headers, "x-ms-client-request-id"),
            FindHeader(transport_.calls[1].headers, "x-ms-client-request-id"));
}

TEST_F(ArmClientTest, TokenFromCredentialProviderGoesIntoAuthorizationHeader) {
  FixedTokenProvider token("tok123");
  ArmClient arm(transport_, token, random_, sleeper_);
  transport_.RespondJson(200, json::object());
  ASSERT_TRUE(arm.Get(kGallery, "2021-10-01").ok());
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "Authorization"), "Bearer tok123");
}

TEST_F(ArmClientTest, ExtraQueryParametersFollowApiVersionAndKeepDollar) {
  EXPECT_EQ(ArmUrl("/x", "2022-03-03", {{"$expand", "ReplicationStatus"}, {"location", "west us"}}),
            "/x?api-version=2022-03-03&$expand=ReplicationStatus&location=west%20us");
  EXPECT_EQ(ArmUrl("/x?a=b", "1"), "/x?a=b&api-version=1");
}

TEST_F(ArmClientTest, ArmErrorBodyBecomesStatusWithReasonMessageAndTarget) {
  transport_.RespondJson(
      400,
      {{"error", {{"code", "InvalidParameter"}, {"message", "bad name"}, {"target", "name"}}}});
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_EQ(r.status().message(), "bad name");
  EXPECT_EQ(r.status().target(), "name");
}

struct HttpMapping {
  int http_status;
  const char* arm_code;
  StatusCode expected;
};

class ErrorMappingTest : public ArmClientTest, public ::testing::WithParamInterface<HttpMapping> {};

TEST_P(ErrorMappingTest, HttpStatusDecidesTheCode) {
  const HttpMapping& m = GetParam();
  transport_.RespondJson(m.http_status, {{"error", {{"code", m.arm_code}, {"message", "m"}}}});
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), m.expected) << r.status().ToString();
  EXPECT_EQ(r.status().reason(), m.arm_code);
}

INSTANTIATE_TEST_SUITE_P(
    AllStatuses, ErrorMappingTest,
    ::testing::Values(HttpMapping{400, "InvalidParameter", StatusCode::kInvalidArgument},
                      HttpMapping{401, "InvalidAuthenticationToken", StatusCode::kUnauthenticated},
                      HttpMapping{403, "AuthorizationFailed", StatusCode::kPermissionDenied},
                      HttpMapping{404, "ResourceNotFound", StatusCode::kNotFound},
                      HttpMapping{409, "ResourceExists", StatusCode::kAlreadyExists},
                      HttpMapping{409, "CannotDeleteResource", StatusCode::kFailedPrecondition},
                      HttpMapping{412, "PreconditionFailed", StatusCode::kFailedPrecondition},
                      HttpMapping{429, "TooManyRequests", StatusCode::kUnavailable},
                      HttpMapping{503, "ServiceUnavailable", StatusCode::kUnavailable},
                      HttpMapping{500, "InternalServerError", StatusCode::kInternal},
                      HttpMapping{502, "BadGateway", StatusCode::kInternal}));

TEST_F(ArmClientTest, FlatErrorBodyIsAccepted) {
  transport_.RespondJson(404, {{"code", "ResourceGroupNotFound"}, {"message", "no rg"}});
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().reason(), "ResourceGroupNotFound");
  EXPECT_EQ(r.status().message(), "no rg");
}

TEST_F(ArmClientTest, NonJsonErrorBodyNamesTheHttpStatus) {
  transport_.Respond(400, "oops", {{"Content-Type", "text/plain"}});
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "");
  EXPECT_EQ(r.status().message(), "Operation returned an invalid status 'Bad Request'");
}

TEST_F(ArmClientTest, InvalidJsonInSuccessBodyIsAnInvalidResponse) {
  transport_.Respond(200, "{not json");
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().reason(), "InvalidResponse");
}

TEST_F(ArmClientTest, TransportErrorsPassThrough) {
  transport_.Fail(Status::Unavailable("cannot connect"));
  Result<json> r = arm_.Get(kGallery, "2021-10-01");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "cannot connect");
}

TEST_F(ArmClientTest, ListFollowsNextLinkVerbatimAndConcatenatesValues) {
  const std::string next =
      "https://127.0.0.1:8443/subscriptions/S/providers/Microsoft.Compute/galleries?"
      "api-version=2021-10-01&$skiptoken=abc";
  transport_.RespondJson(200, {{"value", {{{"name", "a"}}, {{"name", "b"}}}}, {"nextLink", next}});
  transport_.RespondJson(200, {{"value", {{{"name", "c"}}}}});
  Result<json> r =
      arm_.List("/subscriptions/S/providers/Microsoft.Compute/galleries", "2021-10-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, json::parse(R"([{"name":"a"},{"name":"b"},{"name":"c"}])"));
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET /subscriptions/S/providers/Microsoft.Compute/galleries?"
                          "api-version=2021-10-01",
                          "GET " + next));
}

TEST_F(ArmClientTest, ListWithoutValueArrayIsAnInvalidResponse) {
  transport_.RespondJson(200, {{"items", json::array()}});
  Result<json> r = arm_.List("/x", "1");
  EXPECT_EQ(r.status().reason(), "InvalidResponse");
}

TEST_F(ArmClientTest, ListErrorOnSecondPageIsReturned) {
  transport_.RespondJson(200, {{"value", json::array()}, {"nextLink", "https://h/next"}});
  transport_.RespondJson(403, {{"error", {{"code", "AuthorizationFailed"}, {"message", "no"}}}});
  Result<json> r = arm_.List("/x", "1");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ArmClientTest, PutSendsJsonBody) {
  transport_.RespondJson(201,
                         {{"name", "gal1"}, {"properties", {{"provisioningState", "Succeeded"}}}});
  json body = {{"location", "westus"}, {"tags", json::object()}};
  Result<json> r = arm_.Put(kGallery, "2021-10-01", body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["name"], "gal1");
  EXPECT_EQ(transport_.calls[0].method, "PUT");
  EXPECT_EQ(transport_.calls[0].url, kGalleryUrl);
  EXPECT_EQ(transport_.Body(0), body);
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "Content-Type"), "application/json");
  EXPECT_TRUE(sleeper_.sleeps.empty());
}

TEST_F(ArmClientTest, PutSendsTheCallersHeadersAndA412IsAFailedPrecondition) {
  transport_.RespondJson(412, {{"error", {{"code", "PreconditionFailed"}, {"message", "exists"}}}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object(), {}, {{"If-None-Match", "*"}});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "PreconditionFailed");
  EXPECT_EQ(r.status().message(), "exists");
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "If-None-Match"), "*");
}

TEST_F(ArmClientTest, AsyncOperationIsPolledAtOnceThenAfterRetryAfterThenFinalGet) {
  transport_.RespondJson(201, {{"properties", {{"provisioningState", "Creating"}}}},
                         {{"Azure-AsyncOperation", kOpUrl}, {"Retry-After", "1"}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "3"}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "2"}});
  transport_.RespondJson(200, {{"status", "Succeeded"}});
  transport_.RespondJson(200,
                         {{"name", "gal1"}, {"properties", {{"provisioningState", "Succeeded"}}}});
  int waits = 0;
  LroOptions lro;
  lro.on_wait = [&waits] { ++waits; };
  Result<json> r = arm_.Put(kGallery, "2021-10-01", {{"location", "westus"}}, lro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["properties"]["provisioningState"], "Succeeded");
  EXPECT_THAT(transport_.Requests(),
              ElementsAre(std::string("PUT ") + kGalleryUrl, std::string("GET ") + kOpUrl,
                          std::string("GET ") + kOpUrl, std::string("GET ") + kOpUrl,
                          std::string("GET ") + kGalleryUrl));
  // The first poll is immediate; each later one waits the latest response's Retry-After.
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(seconds(3), seconds(2)));
  EXPECT_EQ(waits, 2);
}

TEST_F(ArmClientTest, PollIntervalDefaultsToOneSecond) {
  transport_.Respond(202, "", {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(200, {{"status", "InProgress"}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "soon"}});
  transport_.RespondJson(200, {{"status", "succeeded"}});
  transport_.RespondJson(200, {{"name", "gal1"}});
  Result<json> r = arm_.Patch(kGallery, "2021-10-01", {{"tags", json::object()}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(seconds(1), seconds(1)));
  EXPECT_EQ(transport_.calls[0].method, "PATCH");
}

TEST_F(ArmClientTest, FailedOperationReturnsItsErrorCodeAndMessage) {
  transport_.RespondJson(201, json::object(), {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(200, {{"status", "InProgress"}}, {{"Retry-After", "1"}});
  transport_.RespondJson(
      200, {{"status", "Failed"},
            {"error", {{"code", "ReplicationFailed"}, {"message", "region eastus failed"}}}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "ReplicationFailed");
  EXPECT_EQ(r.status().message(), "region eastus failed");
  EXPECT_EQ(transport_.calls.size(), 3u);  // no final GET
}

TEST_F(ArmClientTest, CanceledOperationWithoutErrorGetsADefaultReason) {
  transport_.RespondJson(201, json::object(), {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(200, {{"status", "CANCELED"}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "OperationCanceled");
}

TEST_F(ArmClientTest, OperationStatusWithoutStatusFieldIsAnInvalidResponse) {
  transport_.RespondJson(201, json::object(), {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(200, {{"name", "op1"}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  EXPECT_EQ(r.status().reason(), "InvalidResponse");
}

TEST_F(ArmClientTest, ErrorWhilePollingIsReturned) {
  transport_.RespondJson(201, json::object(), {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(404, {{"error", {{"code", "OperationNotFound"}, {"message", "gone"}}}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().reason(), "OperationNotFound");
}

TEST_F(ArmClientTest, AsyncOperationTakesPrecedenceOverLocation) {
  transport_.Respond(202, "", {{"Location", kLocationUrl}, {"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(200, {{"status", "Succeeded"}});
  Result<json> r = arm_.Delete(kGallery, "2021-10-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->is_null());
  // DELETE has no final GET.
  EXPECT_THAT(transport_.Requests(),
              ElementsAre(std::string("DELETE ") + kGalleryUrl, std::string("GET ") + kOpUrl));
}

TEST_F(ArmClientTest, LocationIsPolledUntilDoneAndItsBodyIsTheResult) {
  transport_.Respond(202, "", {{"Location", kLocationUrl}, {"Retry-After", "5"}});
  transport_.Respond(202, "", {{"Retry-After", "2"}});
  transport_.Respond(202, "");
  transport_.RespondJson(200, {{"name", "gal1"}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["name"], "gal1");
  EXPECT_THAT(transport_.Requests(),
              ElementsAre(std::string("PUT ") + kGalleryUrl, std::string("GET ") + kLocationUrl,
                          std::string("GET ") + kLocationUrl, std::string("GET ") + kLocationUrl));
  EXPECT_THAT(sleeper_.sleeps, ElementsAre(seconds(2), seconds(1)));
}

TEST_F(ArmClientTest, LocationPollingOfDeleteTreats204And404AsDone) {
  transport_.Respond(202, "", {{"Location", kLocationUrl}});
  transport_.Respond(204, "");
  EXPECT_TRUE(arm_.Delete(kGallery, "2021-10-01").ok());
  transport_.Respond(202, "", {{"Location", kLocationUrl}});
  transport_.RespondJson(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "gone"}}}});
  EXPECT_TRUE(arm_.Delete(kGallery, "2021-10-01").ok());
}

TEST_F(ArmClientTest, LocationPollingErrorIsReturned) {
  transport_.Respond(202, "", {{"Location", kLocationUrl}});
  transport_.RespondJson(500, {{"error", {{"code", "InternalError"}, {"message", "boom"}}}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().reason(), "InternalError");
}

TEST_F(ArmClientTest, NoWaitReturnsTheInitialAnswerWithoutPolling) {
  transport_.RespondJson(201, {{"properties", {{"provisioningState", "Creating"}}}},
                         {{"Azure-AsyncOperation", kOpUrl}, {"Location", kLocationUrl}});
  LroOptions lro;
  lro.no_wait = true;
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object(), lro);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["properties"]["provisioningState"], "Creating");
  EXPECT_EQ(transport_.calls.size(), 1u);
  EXPECT_TRUE(sleeper_.sleeps.empty());
}

TEST_F(ArmClientTest, WithoutPollingHeadersTheInitialBodyIsTheResult) {
  transport_.RespondJson(200, {{"name", "gal1"}});
  Result<json> r = arm_.Put(kGallery, "2021-10-01", json::object());
  EXPECT_EQ((*r)["name"], "gal1");
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(ArmClientTest, RejectedInitialRequestIsNotPolled) {
  transport_.RespondJson(409,
                         {{"error", {{"code", "CannotDeleteResource"}, {"message", "nested"}}}},
                         {{"Azure-AsyncOperation", kOpUrl}});
  Result<json> r = arm_.Delete(kGallery, "2021-10-01");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "nested");
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(ArmClientTest, PutAnsweredWith204IsAnError) {
  transport_.Respond(204, "");
  EXPECT_FALSE(arm_.Put(kGallery, "2021-10-01", json::object()).ok());
}

TEST_F(ArmClientTest, GetAnsweredWith404IsNotFound) {
  transport_.RespondJson(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "nope"}}}});
  EXPECT_EQ(arm_.Get(kGallery, "2021-10-01").status().code(), StatusCode::kNotFound);
}

TEST_F(ArmClientTest, PostWithAsyncOperationReturnsTheLocationResult) {
  transport_.Respond(202, "", {{"Azure-AsyncOperation", kOpUrl}, {"Location", kLocationUrl}});
  transport_.RespondJson(200, {{"status", "Succeeded"}});
  transport_.RespondJson(200, {{"accessSAS", "https://sas"}});
  Result<json> r = arm_.Post("/x/beginGetAccess", "2022-07-02", {{"access", "Read"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["accessSAS"], "https://sas");
  EXPECT_EQ(transport_.calls[0].method, "POST");
}

TEST_F(ArmClientTest, PostWithAsyncOperationAndNoLocationReturnsThePropertiesOutput) {
  transport_.Respond(202, "", {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(
      200, {{"status", "Succeeded"}, {"properties", {{"output", {{"accessSAS", "https://o"}}}}}});
  Result<json> r = arm_.Post("/x/beginGetAccess", "2022-07-02", {{"access", "Read"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, json({{"accessSAS", "https://o"}}));
  EXPECT_EQ(transport_.calls.size(), 2u);
}

TEST_F(ArmClientTest, OnStatusSeesEveryOperationStatusBody) {
  transport_.Respond(202, "", {{"Azure-AsyncOperation", kOpUrl}});
  transport_.RespondJson(200, {{"status", "InProgress"}, {"percentComplete", 40}});
  transport_.RespondJson(200, {{"status", "Succeeded"}, {"percentComplete", 100}});
  std::vector<json> seen;
  LroOptions lro;
  lro.on_status = [&seen](const json& op) { seen.push_back(op); };
  Result<json> r = arm_.Post("/x/endGetAccess", "2022-07-02", json::object(), lro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->is_null());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0]["percentComplete"], 40);
  EXPECT_EQ(seen[1]["percentComplete"], 100);
}

}  // namespace
}  // namespace gallery
