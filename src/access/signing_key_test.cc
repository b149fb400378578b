#include "access/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "access/test_directory.h"
#include "common/file_util.h"

namespace gallery::access {
namespace {

namespace fs = std::filesystem;
using testing::SharedKey;

TEST(SigningKeyTest, SignatureVerifiesOnlyForTheSameDataAndKey) {
  const SigningKey& key = SharedKey();
  Result<std::string> sig = key.Sign("header.payload");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);  // RSA-2048
  EXPECT_TRUE(key.Verify("header.payload", *sig));
  EXPECT_FALSE(key.Verify("header.payloaD", *sig));
  std::string flipped = *sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(key.Verify("header.payload", flipped));
  EXPECT_FALSE(key.Verify("header.payload", ""));
  Result<std::unique_ptr<SigningKey>> other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->Verify("header.payload", *sig));
  EXPECT_NE((*other)->kid(), key.kid());
}

TEST(SigningKeyTest, PublicJwkNamesTheKeyAndItsParameters) {
  const nlohmann::json& jwk = SharedKey().PublicJwk();
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["alg"], "RS256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["kid"], SharedKey().kid());
  EXPECT_EQ(jwk["e"], "AQAB");                          // 65537
  EXPECT_EQ(jwk["n"].get<std::string>().size(), 342u);  // 256 bytes in base64url
  EXPECT_FALSE(jwk.contains("d"));                      // never the private exponent
}

TEST(SigningKeyTest, PemRoundTripKeepsTheKey) {
  Result<std::string> pem = SharedKey().ToPem();
  ASSERT_TRUE(pem.ok());
  Result<std::unique_ptr<SigningKey>> again = SigningKey::FromPem(*pem);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->kid(), SharedKey().kid());
  EXPECT_TRUE(SharedKey().Verify("x", *(*again)->Sign("x")));
}

TEST(SigningKeyTest, NonKeyPemIsInvalidArgument) {
  EXPECT_EQ(SigningKey::FromPem("not a key").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPem("").status().code(), StatusCode::kInvalidArgument);
}

TEST(SigningKeyTest, ShortRsaKeyIsRefused) {
  Result<std::unique_ptr<SigningKey>> small = SigningKey::Generate(1024);
  EXPECT_EQ(small.status().code(), StatusCode::kInvalidArgument);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("gallery-key-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(KeyFileTest, CreatedOncePrivatelyAndReusedAfterARestart) {
  const fs::path file = dir_ / "token-signing-key.pem";
  Result<std::unique_ptr<SigningKey>> first = LoadOrCreateSigningKey(file);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
  Result<std::unique_ptr<SigningKey>> second = LoadOrCreateSigningKey(file);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->kid(), (*first)->kid());
  Result<std::string> sig = (*first)->Sign("token");
  EXPECT_TRUE((*second)->Verify("token", *sig));
}

TEST_F(KeyFileTest, CorruptKeyFileIsInvalidArgumentAndNotReplaced) {
  const fs::path file = dir_ / "token-signing-key.pem";
  ASSERT_TRUE(WriteFileAtomic(file, "garbage", 0600).ok());
  EXPECT_EQ(LoadOrCreateSigningKey(file).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ReadFile(file), "garbage");
}

TEST_F(KeyFileTest, UnwritableDirectoryIsUnavailable) {
  EXPECT_EQ(LoadOrCreateSigningKey("/proc/gallery/key.pem").status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace gallery::access
