#include "access/access_signature.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "access/actions.h"
#include "common/file_util.h"

namespace gallery::access {
namespace {

const AccessClaim kClaim{"0b7e1f9c-4c2e-4d1a-9a51-6f0f2d3e4a5b", "w", "grant-1",
                         "2030-01-01T00:00:00Z"};

std::unique_ptr<AccessSigner> Signer(char fill = 'k') {
  return std::move(AccessSigner::FromKey(std::string(AccessSigner::kKeyBytes, fill))).value();
}

TEST(AccessSignatureTest, SignatureVerifiesAndIsDeterministic) {
  auto signer = Signer();
  const std::string sig = signer->Sign(kClaim);
  EXPECT_EQ(sig.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(sig, signer->Sign(kClaim));
  EXPECT_TRUE(signer->Verify(kClaim, sig));
}

TEST(AccessSignatureTest, EveryBoundFieldChangesTheSignature) {
  auto signer = Signer();
  const std::string sig = signer->Sign(kClaim);
  AccessClaim c = kClaim;
  c.blob = "other";
  EXPECT_FALSE(signer->Verify(c, sig));
  c = kClaim;
  c.permission = "r";
  EXPECT_FALSE(signer->Verify(c, sig));
  c = kClaim;
  c.grant_id = "grant-2";
  EXPECT_FALSE(signer->Verify(c, sig));
  c = kClaim;
  c.expiry = "2031-01-01T00:00:00Z";
  EXPECT_FALSE(signer->Verify(c, sig));
  // Moving text between fields does not keep a signature valid.
  c = kClaim;
  c.grant_id = "grant-1\n2030-01-01T00:00:00Z";
  c.expiry = "";
  EXPECT_FALSE(signer->Verify(c, signer->Sign(c)));
}

TEST(AccessSignatureTest, UrlCarriesTheClaimAndItsSignature) {
  auto signer = Signer();
  const AccessClaim claim{"exports/g1", "r", "g1", AccessExpiryText(1893456000123)};
  EXPECT_EQ(claim.expiry, "2030-01-01T00:00:00Z");
  EXPECT_EQ(signer->Url("https://h:1", "exports/g1", claim),
            "https://h:1/exports/g1?sv=2018-03-28&sr=b&si=g1&sp=r&se=2030-01-01T00:00:00Z&sig=" +
                signer->Sign(claim));
  // An export's blob and a disk's uniqueId sign differently.
  EXPECT_NE(signer->Sign(claim), signer->Sign({"g1", "r", "g1", claim.expiry}));
}

TEST(AccessSignatureTest, AlteredOrForeignSignaturesFail) {
  auto signer = Signer();
  std::string sig = signer->Sign(kClaim);
  std::string altered = sig;
  altered[5] = altered[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer->Verify(kClaim, altered));
  EXPECT_FALSE(signer->Verify(kClaim, sig.substr(1)));
  EXPECT_FALSE(signer->Verify(kClaim, ""));
  EXPECT_FALSE(Signer('x')->Verify(kClaim, sig));
}

TEST(AccessSignatureTest, KeyMustBe32Bytes) {
  EXPECT_EQ(AccessSigner::FromKey("short").status().code(), StatusCode::kInvalidArgument);
}

TEST(AccessSignatureTest, KeyIsCreatedOnceWithMode0600AndReused) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("access-sig-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto random = NewSystemRandom();
  auto first = LoadOrCreateAccessSigner(dir / "access-key", *random);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat((dir / "access-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadOrCreateAccessSigner(dir / "access-key", *random);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->Verify(kClaim, (*first)->Sign(kClaim)));
  ASSERT_TRUE(WriteFileAtomic(dir / "access-key", "not a key").ok());
  EXPECT_EQ(LoadOrCreateAccessSigner(dir / "access-key", *random).status().code(),
            StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

TEST(AccessSignatureTest, DiskActionsAreNamedAsAzureNamesThem) {
  const ResourceId disk =
      ResourceId::ForResource("s", "rg", "Microsoft.Compute", {{"disks", "d1"}});
  EXPECT_EQ(ActionOn(disk, Verb::kRead), "Microsoft.Compute/disks/read");
  EXPECT_EQ(ActionOn(disk, Verb::kWrite), "Microsoft.Compute/disks/write");
  EXPECT_EQ(ActionOn(disk, Verb::kDelete), "Microsoft.Compute/disks/delete");
  EXPECT_STREQ(kDiskBeginGetAccess, "Microsoft.Compute/disks/beginGetAccess/action");
  EXPECT_STREQ(kDiskEndGetAccess, "Microsoft.Compute/disks/endGetAccess/action");
}

}  // namespace
}  // namespace gallery::access
