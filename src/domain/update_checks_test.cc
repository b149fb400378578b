#include "domain/update_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// 2025-01-01T00:00:00Z.
constexpr TimestampMs kNow = 1735689600000;
constexpr TimestampMs kDay = 24LL * 60 * 60 * 1000;

class UpdateChecksTest : public ::testing::Test {
 protected:
  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};
};

TEST_F(UpdateChecksTest, PropertyChangeNotAllowedHasArmsCodeAndMessage) {
  Status s = PropertyChangeNotAllowed("galleryImage.properties.osType");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "PropertyChangeNotAllowed");
  EXPECT_EQ(s.target(), "galleryImage.properties.osType");
  EXPECT_EQ(s.message(), "Changing property 'galleryImage.properties.osType' is not allowed.");
}

TEST_F(UpdateChecksTest, ExtrasThatAreAbsentOrEqualPass) {
  nlohmann::json current = {{"eula", "text"}, {"purchasePlan", {{"name", "p"}}}};
  EXPECT_TRUE(CheckExtrasUnchanged(current, nlohmann::json::object(), "p.").ok());
  EXPECT_TRUE(CheckExtrasUnchanged(current, {{"eula", "text"}}, "p.").ok());
  EXPECT_TRUE(CheckExtrasUnchanged(current, current, "p.").ok());
  EXPECT_TRUE(CheckExtrasUnchanged(current, nullptr, "p.").ok());
}

// An older client sends the objects it knows without their newer members (the Azure CLI's
// 2022-03-03 model has no safetyProfile.blockDeletionBeforeEndOfLife, nor features[]
// .startsAtVersion): what it leaves out is kept, what it sends must be unchanged.
TEST_F(UpdateChecksTest, ExtrasMayLeaveOutMembersOfObjectsAndOfArrayElements) {
  nlohmann::json current = {
      {"safetyProfile",
       {{"allowDeletionOfReplicatedLocations", true}, {"blockDeletionBeforeEndOfLife", false}}},
      {"features",
       {{{"name", "IsAcceleratedNetworkSupported"}, {"value", "true"}, {"startsAtVersion", "1.0.0"}}}}};
  EXPECT_TRUE(CheckExtrasUnchanged(
                  current, {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", true}}}}, "p.")
                  .ok());
  EXPECT_TRUE(CheckExtrasUnchanged(
                  current,
                  {{"features", {{{"name", "IsAcceleratedNetworkSupported"}, {"value", "true"}}}}},
                  "p.")
                  .ok());
  EXPECT_TRUE(CheckExtrasUnchanged(current, {{"safetyProfile", {{"unknownMember", nullptr}}}}, "p.")
                  .ok());
  // What is sent must match: a changed member, an element more or less, a new member.
  EXPECT_EQ(CheckExtrasUnchanged(
                current, {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", false}}}}, "p.")
                .target(),
            "p.safetyProfile");
  EXPECT_FALSE(CheckExtrasUnchanged(current, {{"features", nlohmann::json::array()}}, "p.").ok());
  EXPECT_FALSE(
      CheckExtrasUnchanged(current, {{"features", {{{"name", "IsAcceleratedNetworkSupported"},
                                                     {"value", "false"}}}}},
                           "p.")
          .ok());
  EXPECT_FALSE(
      CheckExtrasUnchanged(current, {{"safetyProfile", {{"reportedForPolicyViolation", true}}}}, "p.")
          .ok());
}

TEST_F(UpdateChecksTest, ChangedOrNewExtraIsPropertyChangeNotAllowedNamingIt) {
  nlohmann::json current = {{"eula", "text"}};
  Status changed = CheckExtrasUnchanged(current, {{"eula", "other"}}, "galleryImage.properties.");
  EXPECT_EQ(changed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(changed.reason(), "PropertyChangeNotAllowed");
  EXPECT_THAT(changed.message(), HasSubstr("'galleryImage.properties.eula'"));
  Status added = CheckExtrasUnchanged(current, {{"releaseNoteUri", "u"}}, "x.");
  EXPECT_EQ(added.reason(), "PropertyChangeNotAllowed");
  EXPECT_THAT(added.message(), HasSubstr("'x.releaseNoteUri'"));
}

TEST_F(UpdateChecksTest, SameLocationInAnyFormPasses) {
  TrackedResource r;
  r.location = "southcentralus";
  EXPECT_TRUE(CheckLocationUnchanged(r, std::nullopt, regions_).ok());
  EXPECT_TRUE(CheckLocationUnchanged(r, "southcentralus", regions_).ok());
  EXPECT_TRUE(CheckLocationUnchanged(r, "South Central US", regions_).ok());
}

TEST_F(UpdateChecksTest, DisplayNameUnlikeTheShortNamePassesForTheSameRegion) {
  Result<RegionCatalog> catalog = RegionCatalog::FromJson(
      {{"regions", {{{"name", "site1"}, {"displayName", "Site One"}, {"galleries", true}}}}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  TrackedResource r;
  r.location = "site1";
  EXPECT_TRUE(CheckLocationUnchanged(r, "Site One", *catalog).ok());
  EXPECT_EQ(CheckLocationUnchanged(r, "Site Two", *catalog).reason(), "InvalidResourceLocation");
}

TEST_F(UpdateChecksTest, OtherLocationIsAlreadyExistsInvalidResourceLocation) {
  TrackedResource r;
  r.id = ResourceId::ForResource("sub", "rg", "Microsoft.Compute", {{"galleries", "gal1"}});
  r.location = "southcentralus";
  for (const char* other : {"East US 2", "mars"}) {
    Status s = CheckLocationUnchanged(r, std::string(other), regions_);
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
    EXPECT_EQ(s.reason(), "InvalidResourceLocation");
    EXPECT_EQ(s.target(), "location");
    EXPECT_THAT(s.message(), HasSubstr("'gal1' already exists in location 'southcentralus'"));
    EXPECT_THAT(s.message(), HasSubstr(std::string("'") + other + "'"));
  }
}

TEST_F(UpdateChecksTest, FutureDatePassesNowAndPastFail) {
  EXPECT_TRUE(CheckFutureDate(kNow + 1, "endOfLifeDate", ctx_).ok());
  for (TimestampMs t : {kNow, kNow - kDay}) {
    Status s = CheckFutureDate(t, "endOfLifeDate", ctx_);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.reason(), "InvalidParameter");
    EXPECT_EQ(s.target(), "endOfLifeDate");
    EXPECT_THAT(s.message(), HasSubstr("EndOfLifeDate must be set to a future date."));
    EXPECT_THAT(s.message(), HasSubstr(FormatTimestamp(t)));
  }
}

TEST_F(UpdateChecksTest, MissingFieldIsInvalidParameterNamingTheField) {
  Status s = MissingField("galleryImage.properties.osType");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "InvalidParameter");
  EXPECT_EQ(s.target(), "galleryImage.properties.osType");
  EXPECT_EQ(s.message(), "Required parameter 'galleryImage.properties.osType' is missing (null).");
}

}  // namespace
}  // namespace gallery::domain
