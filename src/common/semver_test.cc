#include "common/semver.h"

#include <gtest/gtest.h>

namespace gallery {
namespace {

TEST(SemVerTest, ParsesThreeParts) {
  Result<SemVer> v = SemVer::Parse("2018.12.1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->major, 2018);
  EXPECT_EQ(v->minor, 12);
  EXPECT_EQ(v->patch, 1);
  EXPECT_EQ(v->ToString(), "2018.12.1");
}

TEST(SemVerTest, OrdersNumericallyNotAsText) {
  EXPECT_GT(*SemVer::Parse("1.10.0"), *SemVer::Parse("1.9.0"));
  EXPECT_GT(*SemVer::Parse("2.0.0"), *SemVer::Parse("1.99.99"));
  EXPECT_LT(*SemVer::Parse("1.0.9"), *SemVer::Parse("1.0.10"));
  EXPECT_EQ(*SemVer::Parse("01.0.0"), *SemVer::Parse("1.0.0"));
}

TEST(SemVerTest, AcceptsInt32Max) {
  Result<SemVer> v = SemVer::Parse("2147483647.0.2147483647");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->major, 2147483647);
}

TEST(SemVerTest, RejectsWhatIsNotMajorMinorPatch) {
  for (const char* bad : {"1", "1.0", "1.0.0.0", "1..0", "a.b.c", "1.0.-1", "-1.0.0", "2147483648.0.0",
                          "1.0.0 ", "v1.0.0", "1.0.x", ""}) {
    Result<SemVer> v = SemVer::Parse(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find("Major(int).Minor(int).Patch(int)"), std::string::npos);
  }
}

}  // namespace
}  // namespace gallery
