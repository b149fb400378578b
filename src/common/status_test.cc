#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"

namespace gallery {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "Ok");
}

TEST(StatusTest, CarriesCodeReasonMessageAndTarget) {
  Status s = Status::InvalidArgument("bad name 'a-b'", "name").WithReason("InvalidParameter");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "InvalidParameter");
  EXPECT_EQ(s.message(), "bad name 'a-b'");
  EXPECT_EQ(s.target(), "name");
  EXPECT_EQ(s.ToString(), "InvalidArgument (InvalidParameter): bad name 'a-b' [target name]");
}

Result<int> Half(int x) {
  if (x % 2 != 0) {
    return Status::InvalidArgument("odd");
  }
  return x / 2;
}

Result<int> Quarter(int x) {
  GALLERY_ASSIGN_OR_RETURN(int half, Half(x));
  return Half(half);
}

Status CheckEven(int x) {
  GALLERY_RETURN_IF_ERROR(Half(x).status().ok() ? Status::Ok() : Half(x).status());
  return Status::Ok();
}

TEST(ResultTest, ValueOrStatusPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);  // 6/2 = 3 is odd
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gallery
