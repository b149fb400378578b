#include "access/secret_hash.h"

#include <gtest/gtest.h>

namespace gallery::access {
namespace {

TEST(SecretHashTest, VerifiesOnlyTheRightSecret) {
  auto random = NewSystemRandom();
  std::string hash = HashSecret("s3cret", *random, 1000);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u);
  EXPECT_EQ(hash.find("s3cret"), std::string::npos);
  EXPECT_TRUE(VerifySecret("s3cret", hash));
  EXPECT_FALSE(VerifySecret("s3cret ", hash));
  EXPECT_FALSE(VerifySecret("", hash));
}

TEST(SecretHashTest, SaltsDiffer) {
  auto random = NewSystemRandom();
  EXPECT_NE(HashSecret("x", *random, 1000), HashSecret("x", *random, 1000));
}

TEST(SecretHashTest, MalformedHashesNeverVerify) {
  for (const char* bad : {"", "plain", "pbkdf2-sha256$x$a$b", "pbkdf2-sha256$0$a$b",
                          "md5$1000$a$b", "pbkdf2-sha256$1000$a"}) {
    EXPECT_FALSE(VerifySecret("x", bad)) << bad;
  }
}

}  // namespace
}  // namespace gallery::access
