#include "common/time.h"

#include <gtest/gtest.h>

namespace gallery {
namespace {

TEST(TimeTest, ParsesTheFormsClientsSend) {
  const TimestampMs base = *ParseTimestamp("2030-12-31T12:59:59Z", "f");
  EXPECT_EQ(base, 1924952399000);
  EXPECT_EQ(*ParseTimestamp("2030-12-31T12:59:59.000Z", "f"), base);
  EXPECT_EQ(*ParseTimestamp("2030-12-31T12:59:59", "f"), base);
  EXPECT_EQ(*ParseTimestamp("2030-12-31T14:59:59+02:00", "f"), base);
  EXPECT_EQ(*ParseTimestamp("2030-12-31T12:59:59.250Z", "f"), base + 250);
  EXPECT_EQ(*ParseTimestamp("2030-12-31", "f"), base - (12 * 3600 + 59 * 60 + 59) * 1000);
}

TEST(TimeTest, FormatsRoundTrip) {
  EXPECT_EQ(FormatTimestamp(1924952399000), "2030-12-31T12:59:59+00:00");
  EXPECT_EQ(FormatTimestamp(1924952399250), "2030-12-31T12:59:59.250+00:00");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(*ParseTimestamp(FormatTimestamp(1700000000123), "f"), 1700000000123);
}

TEST(TimeTest, RejectsInvalidDatesNamingTheField) {
  for (const char* bad : {"", "tomorrow", "2030-13-01", "2030-02-30", "2030-12-31T25:00:00Z",
                          "2030-12-31T12:59:59Zjunk", "2030-1-1"}) {
    Result<TimestampMs> t = ParseTimestamp(bad, "endOfLifeDate");
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().target(), "endOfLifeDate");
    EXPECT_NE(t.status().message().find("endOfLifeDate"), std::string::npos);
  }
  EXPECT_TRUE(ParseTimestamp("2028-02-29", "f").ok());  // leap year
}

}  // namespace
}  // namespace gallery
