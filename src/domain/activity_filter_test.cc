#include "domain/activity_filter.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

constexpr char kRange[] =
    "eventTimestamp ge '2030-01-01T00:00:00Z' and eventTimestamp le '2030-01-02T00:00:00Z'";

TimestampMs T(const char* text) { return *ParseTimestamp(text, "t"); }

// The filter is refused with 400 BadRequest naming $filter, and the message mentions `what`.
void ExpectBad(const std::string& filter, const std::string& what) {
  Result<ActivityFilter> f = ParseActivityFilter(filter);
  ASSERT_FALSE(f.ok()) << filter;
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().reason(), "BadRequest");
  EXPECT_EQ(f.status().target(), "$filter");
  EXPECT_NE(f.status().message().find(what), std::string::npos)
      << filter << " -> " << f.status().message();
}

TEST(ActivityFilterTest, ParsesTheTimeRangeAndEveryNarrowingField) {
  Result<ActivityFilter> f = ParseActivityFilter(
      std::string(kRange) +
      " and resourceGroupName eq 'rg1' and resourceUri eq '/subscriptions/s/resourceGroups/rg1'"
      " AND correlationId eq 'c-1' and resourceProvider eq 'Microsoft.Compute'"
      " and caller eq 'alice' and status eq 'Succeeded'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->from, T("2030-01-01T00:00:00Z"));
  EXPECT_EQ(f->to, T("2030-01-02T00:00:00Z"));
  EXPECT_EQ(f->resource_group, "rg1");
  EXPECT_EQ(f->resource_id, "/subscriptions/s/resourceGroups/rg1");
  EXPECT_EQ(f->correlation_id, "c-1");
  EXPECT_EQ(f->resource_provider, "Microsoft.Compute");
  EXPECT_EQ(f->caller, "alice");
  EXPECT_EQ(f->status, "Succeeded");
}

TEST(ActivityFilterTest, AcceptsAzsUnquotedTimestampsAndResourceIdSpelling) {
  // az 2.45 sends datetime.isoformat() without quotes or zone, and resourceId.
  Result<ActivityFilter> f = ParseActivityFilter(
      "eventTimestamp ge 2030-01-01T00:00:00.123456 and eventTimestamp le "
      "2030-01-01T06:00:00.123456 and resourceId eq '/x'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->from, T("2030-01-01T00:00:00.123Z"));
  EXPECT_EQ(f->resource_id, "/x");
}

TEST(ActivityFilterTest, QuotedValuesMayHoldAndSpacesAndDoubledQuotes) {
  Result<ActivityFilter> f =
      ParseActivityFilter(std::string(kRange) + " and caller eq 'o''brien and co'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->caller, "o'brien and co");
}

TEST(ActivityFilterTest, EveryMalformedFilterIsABadRequestThatSaysWhy) {
  ExpectBad("", "missing");
  ExpectBad("   ", "missing");
  ExpectBad("eventTimestamp ge '2030-01-01T00:00:00Z'", "both");
  ExpectBad("eventTimestamp le '2030-01-01T00:00:00Z'", "both");
  ExpectBad("resourceGroupName eq 'rg1'", "both");
  ExpectBad("eventTimestamp ge", "incomplete");
  ExpectBad(std::string(kRange) + " and", "incomplete");
  ExpectBad(std::string(kRange) + " or resourceGroupName eq 'x'", "joined with 'and'");
  ExpectBad(std::string(kRange) + " and resourceGroupName eq 'x' extra", "joined with 'and'");
  ExpectBad("eventTimestamp ge 'yesterday' and eventTimestamp le '2030-01-01'", "not a date-time");
  ExpectBad("eventTimestamp gt '2030-01-01' and eventTimestamp le '2030-01-02'", "'ge' or 'le'");
  ExpectBad("eventTimestamp ge '2030-01-02' and eventTimestamp le '2030-01-01'", "after its end");
  ExpectBad("eventTimestamp ge '2030-01-01' and eventTimestamp le '2030-04-02'", "90 days");
  ExpectBad(std::string(kRange) + " and eventTimestamp ge '2030-01-01'", "twice");
  ExpectBad(std::string(kRange) + " and resourceGroupName eq 'a' and resourceGroupName eq 'b'",
            "twice");
  ExpectBad(std::string(kRange) + " and level eq 'Error'", "'level' is not a field");
  ExpectBad(std::string(kRange) + " and 'resourceGroupName' eq 'x'", "is not a field");
  ExpectBad(std::string(kRange) + " and resourceGroupName ne 'x'", "takes 'eq'");
  ExpectBad(std::string(kRange) + " and resourceGroupName eq x", "quoted string");
  ExpectBad(std::string(kRange) + " and resourceGroupName eq ''", "quoted string");
  ExpectBad(std::string(kRange) + " and correlationId eq 'abc", "not closed");
  ExpectBad(std::string(kRange) + " and status eq 'Done'", "Started, Succeeded, Failed");
}

TEST(ActivityFilterTest, ExactlyNinetyDaysIsAllowed) {
  EXPECT_TRUE(ParseActivityFilter("eventTimestamp ge '2030-01-01T00:00:00Z' and eventTimestamp "
                                  "le '2030-04-01T00:00:00Z'")
                  .ok());
}

TEST(ActivityFilterTest, MatchesChecksEveryFieldCaseInsensitively) {
  ActivityFilter f = *ParseActivityFilter(kRange);
  ActivityEvent e;
  e.event_time = T("2030-01-01T12:00:00Z");
  e.action = "Microsoft.Compute/galleries/write";
  e.scope = "/subscriptions/s/resourceGroups/RG1/providers/Microsoft.Compute/galleries/g";
  e.resource_group = "RG1";
  e.correlation_id = "c1";
  e.caller_object_id = "oid";
  e.caller_name = "Alice";
  e.status = ActivityStatus::kFailed;
  EXPECT_TRUE(Matches(f, e));
  e.event_time = T("2030-01-02T00:00:00.001Z");
  EXPECT_FALSE(Matches(f, e));
  e.event_time = T("2030-01-02T00:00:00Z");  // inclusive
  EXPECT_TRUE(Matches(f, e));
  f.resource_group = "rg1";
  f.resource_provider = "microsoft.compute";
  f.caller = "alice";
  f.status = "failed";
  EXPECT_TRUE(Matches(f, e));
  f.caller = "OID";
  EXPECT_TRUE(Matches(f, e));
  f.status = "Succeeded";
  EXPECT_FALSE(Matches(f, e));
  f.status.clear();
  f.resource_id = e.scope + "/images/d";
  EXPECT_FALSE(Matches(f, e));
  f.resource_id.clear();
  f.correlation_id = "c2";
  EXPECT_FALSE(Matches(f, e));
}

TEST(ActivityFilterTest, SelectNamesEventDataPropertiesInAnyCasing) {
  Result<std::set<std::string>> s = ParseActivitySelect("caller , EVENTTIMESTAMP,status");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, (std::set<std::string>{"caller", "eventTimestamp", "status"}));
  EXPECT_TRUE(ParseActivitySelect("")->empty());
  Result<std::set<std::string>> bad = ParseActivitySelect("caller,password");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "BadRequest");
  EXPECT_EQ(bad.status().target(), "$select");
  EXPECT_NE(bad.status().message().find("'password'"), std::string::npos);
  EXPECT_FALSE(ParseActivitySelect("caller,,status").ok());
}

}  // namespace
}  // namespace gallery::domain
