// `gallery activity-log`, `gallery feature` and `gallery provider`: the requests they send and
// what they print.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "client/url.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kLog[] =
    "GET /subscriptions/sub1/providers/microsoft.insights/eventtypes/management/values"
    "?api-version=2015-04-01&$filter=";
constexpr char kFeatures[] =
    "/subscriptions/sub1/providers/Microsoft.Features/providers/Microsoft.Compute/features";
constexpr TimestampMs kNow = 1'800'000'000'000;  // 2027-01-15T08:00:00Z

class PlatformCommandsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SaveProfile();
    env_.clock = &clock_;
  }
  static std::string Filter(const std::string& filter) { return kLog + PercentEncode(filter); }

  FakeClock clock_{kNow};
};

json Event() {
  return {{"eventTimestamp", "2027-01-15T07:59:00+00:00"},
          {"caller", "alice"},
          {"operationName", {{"value", "Microsoft.Compute/galleries/write"}}},
          {"status", {{"value", "Succeeded"}}},
          {"resourceId",
           "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/"
           "galleries/g1"}};
}

TEST_F(PlatformCommandsTest, ActivityLogDefaultsToTheLastHour) {
  transport_.RespondJson(200, {{"value", json::array({Event()})}});
  EXPECT_EQ(Run({"activity-log", "list"}), 0) << err();
  EXPECT_THAT(transport_.Requests(),
              ElementsAre(Filter("eventTimestamp ge '2027-01-15T07:00:00+00:00' and "
                                 "eventTimestamp le '2027-01-15T08:00:00+00:00'")));
  EXPECT_EQ(OutJson(), json::array({Event()}));
}

TEST_F(PlatformCommandsTest, ActivityLogNarrowsAndQuotesEveryOption) {
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"activity-log", "list", "--start-time", "2027-01-01T00:00:00Z", "--end-time",
                 "2027-01-02", "-g", "rg1", "--correlation-id", "c'1", "--resource-id", "/x"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(),
              ElementsAre(Filter("eventTimestamp ge '2027-01-01T00:00:00+00:00' and "
                                 "eventTimestamp le '2027-01-02T00:00:00+00:00' and "
                                 "resourceGroupName eq 'rg1' and resourceUri eq '/x' and "
                                 "correlationId eq 'c''1'")));
}

TEST_F(PlatformCommandsTest, ActivityLogEndTimeAloneMeansTheHourBeforeIt) {
  transport_.RespondJson(200, {{"value", json::array()}});
  EXPECT_EQ(Run({"activity-log", "list", "--end-time", "2027-01-10T10:00:00Z"}), 0) << err();
  EXPECT_THAT(transport_.Requests(),
              ElementsAre(Filter("eventTimestamp ge '2027-01-10T09:00:00+00:00' and "
                                 "eventTimestamp le '2027-01-10T10:00:00+00:00'")));
}

TEST_F(PlatformCommandsTest, ActivityLogTableShowsTimeCallerOperationStatusResource) {
  transport_.RespondJson(200, {{"value", json::array({Event()})}});
  EXPECT_EQ(Run({"activity-log", "list", "-o", "table"}), 0) << err();
  EXPECT_EQ(out(),
            "Time                       Caller  Operation                          Status     "
            "Resource\n"
            "-------------------------  ------  ---------------------------------  ---------  "
            "-------------------------------------------------------------------------------\n"
            "2027-01-15T07:59:00+00:00  alice   Microsoft.Compute/galleries/write  Succeeded  "
            "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1\n");
}

TEST_F(PlatformCommandsTest, ActivityLogRefusesABadTimeBeforeSendingAnything) {
  EXPECT_EQ(Run({"activity-log", "list", "--start-time", "yesterday"}), 2);
  EXPECT_THAT(err(), HasSubstr("--start-time"));
  EXPECT_THAT(transport_.Requests(), IsEmpty());
}

TEST_F(PlatformCommandsTest, FeatureRegisterShowAndList) {
  json feature = {{"name", "Microsoft.Compute/GalleryPreview"},
                  {"properties", {{"state", "Registering"}}}};
  transport_.RespondJson(200, feature);
  EXPECT_EQ(
      Run({"feature", "register", "--namespace", "Microsoft.Compute", "--name", "GalleryPreview"}),
      0)
      << err();
  transport_.RespondJson(200, feature);
  EXPECT_EQ(Run({"feature", "show", "--namespace", "Microsoft.Compute", "-n", "GalleryPreview",
                 "-o", "table"}),
            0);
  EXPECT_EQ(out(),
            "Name                              RegistrationState\n"
            "--------------------------------  -----------------\n"
            "Microsoft.Compute/GalleryPreview  Registering\n");
  transport_.RespondJson(200, {{"value", json::array({feature})}});
  EXPECT_EQ(Run({"feature", "list"}), 0);
  transport_.RespondJson(200, {{"value", json::array({feature})}});
  EXPECT_EQ(Run({"feature", "list", "--namespace", "Microsoft.Compute"}), 0);
  EXPECT_THAT(
      transport_.Requests(),
      ElementsAre(
          "POST " + std::string(kFeatures) + "/GalleryPreview/register?api-version=2021-07-01",
          "GET " + std::string(kFeatures) + "/GalleryPreview?api-version=2021-07-01",
          "GET /subscriptions/sub1/providers/Microsoft.Features/features?api-version=2021-07-01",
          "GET " + std::string(kFeatures) + "?api-version=2021-07-01"));
  EXPECT_EQ(OutJson(), json::array({feature}));
}

TEST_F(PlatformCommandsTest, ProviderRegisterShowUnregisterAndList) {
  json provider = {{"namespace", "Microsoft.Compute"},
                   {"registrationState", "Registered"},
                   {"registrationPolicy", "RegistrationRequired"}};
  for (int i = 0; i < 3; ++i) {
    transport_.RespondJson(200, provider);
  }
  EXPECT_EQ(Run({"provider", "register", "-n", "Microsoft.Compute"}), 0) << err();
  EXPECT_EQ(Run({"provider", "show", "--namespace", "Microsoft.Compute"}), 0);
  EXPECT_EQ(OutJson(), provider);
  EXPECT_EQ(Run({"provider", "unregister", "-n", "Microsoft.Compute"}), 0);
  transport_.RespondJson(200, {{"value", json::array({provider})}});
  EXPECT_EQ(Run({"provider", "list", "-o", "table"}), 0);
  EXPECT_THAT(out(), HasSubstr("Microsoft.Compute  Registered"));
  EXPECT_THAT(
      transport_.Requests(),
      ElementsAre(
          "POST /subscriptions/sub1/providers/Microsoft.Compute/register?api-version=2021-04-01",
          "GET /subscriptions/sub1/providers/Microsoft.Compute?api-version=2021-04-01",
          "POST /subscriptions/sub1/providers/Microsoft.Compute/unregister?api-version=2021-04-01",
          "GET /subscriptions/sub1/providers?api-version=2021-04-01"));
}

TEST_F(PlatformCommandsTest, ServerErrorsArePrintedWithTheirCode) {
  transport_.RespondJson(404, {{"error",
                                {{"code", "InvalidResourceNamespace"},
                                 {"message", "The resource namespace 'Nope' is invalid."}}}});
  EXPECT_EQ(Run({"provider", "show", "-n", "Nope"}), 3);
  EXPECT_THAT(err(), HasSubstr("(InvalidResourceNamespace) The resource namespace 'Nope' is"));
}

}  // namespace
}  // namespace gallery::cli
