#include "domain/blob_uri.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

const std::vector<std::string> kEndpoints{"https://127.0.0.1:8443", "https://localhost:8443"};

TEST(BlobUriTest, ParsesAUriOnThisServer) {
  Result<BlobLocation> at =
      ParseServedBlobUri("https://127.0.0.1:8443/blob/acct1/vhds/dir/os.vhd", kEndpoints, "f");
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->account, "acct1");
  EXPECT_EQ(at->container, "vhds");
  EXPECT_EQ(at->blob, "dir/os.vhd");
}

TEST(BlobUriTest, HostComparesWithoutCaseAndQueryIsIgnored) {
  Result<BlobLocation> at =
      ParseServedBlobUri("HTTPS://LOCALHOST:8443/blob/acct/vhds/os%20a.vhd?sv=1", kEndpoints, "f");
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->blob, "os a.vhd");
}

TEST(BlobUriTest, AUriElsewhereNamesThisServersEndpoint) {
  Result<BlobLocation> at =
      ParseServedBlobUri("https://acct.blob.local/vhds/os.vhd", kEndpoints, "osDisk.blobUri");
  ASSERT_FALSE(at.ok());
  EXPECT_EQ(at.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(at.status().reason(), "InvalidParameter");
  EXPECT_EQ(at.status().target(), "osDisk.blobUri");
  EXPECT_NE(at.status().message().find("https://127.0.0.1:8443/blob/"), std::string::npos)
      << at.status().message();
}

TEST(BlobUriTest, AnotherPortIsElsewhere) {
  EXPECT_FALSE(ParseServedBlobUri("https://127.0.0.1:9999/blob/acct/vhds/os.vhd", kEndpoints, "f")
                   .ok());
}

TEST(BlobUriTest, BadPathsOnThisServerSayWhy) {
  for (const char* uri : {"https://127.0.0.1:8443/blob/acct/vhds", "https://127.0.0.1:8443/x/a/b/c",
                          "https://127.0.0.1:8443/blob/AB/vhds/os.vhd",
                          "https://127.0.0.1:8443/blob/acct/v/os.vhd",
                          "https://127.0.0.1:8443/blob/acct/vhds/../x",
                          "https://127.0.0.1:8443/blob/acct/vhds/a%2"}) {
    Result<BlobLocation> at = ParseServedBlobUri(uri, kEndpoints, "f");
    ASSERT_FALSE(at.ok()) << uri;
    EXPECT_EQ(at.status().reason(), "InvalidParameter") << uri;
    EXPECT_NE(at.status().message().find("is not valid"), std::string::npos) << uri;
  }
}

TEST(BlobUriTest, AccountNames) {
  EXPECT_TRUE(ValidateStorageAccountName("abc").ok());
  EXPECT_TRUE(ValidateStorageAccountName("a1b2c3d4e5f6g7h8i9j0k1l2").ok());
  EXPECT_FALSE(ValidateStorageAccountName("ab").ok());
  EXPECT_FALSE(ValidateStorageAccountName("a1b2c3d4e5f6g7h8i9j0k1l2m").ok());
  Status upper = ValidateStorageAccountName("Acct");
  EXPECT_EQ(upper.reason(), "InvalidResourceName");
  EXPECT_FALSE(ValidateStorageAccountName("ac-ct").ok());
}

TEST(BlobUriTest, ContainerNames) {
  EXPECT_TRUE(ValidateContainerName("vhds").ok());
  EXPECT_TRUE(ValidateContainerName("my-vhds-1").ok());
  EXPECT_FALSE(ValidateContainerName("ab").ok());
  EXPECT_FALSE(ValidateContainerName("-vhds").ok());
  EXPECT_FALSE(ValidateContainerName("vhds-").ok());
  EXPECT_FALSE(ValidateContainerName("v--hds").ok());
  EXPECT_FALSE(ValidateContainerName("Vhds").ok());
  EXPECT_FALSE(ValidateContainerName(std::string(64, 'a')).ok());
}

TEST(BlobUriTest, BlobNames) {
  EXPECT_TRUE(ValidateBlobName("os.vhd").ok());
  EXPECT_TRUE(ValidateBlobName("a/b/c.vhd").ok());
  EXPECT_FALSE(ValidateBlobName("").ok());
  EXPECT_FALSE(ValidateBlobName("a//b").ok());
  EXPECT_FALSE(ValidateBlobName("/a").ok());
  EXPECT_FALSE(ValidateBlobName("a/").ok());
  EXPECT_FALSE(ValidateBlobName("a/./b").ok());
  EXPECT_FALSE(ValidateBlobName("..").ok());
  EXPECT_FALSE(ValidateBlobName("a\\b").ok());
  EXPECT_FALSE(ValidateBlobName(std::string("a\nb")).ok());
  EXPECT_FALSE(ValidateBlobName(std::string(1025, 'a')).ok());
}

TEST(BlobUriTest, BlobUriRoundTrips) {
  BlobLocation at{"acct", "vhds", "os.vhd"};
  const std::string uri = BlobUri("https://127.0.0.1:8443", at);
  EXPECT_EQ(uri, "https://127.0.0.1:8443/blob/acct/vhds/os.vhd");
  Result<BlobLocation> back = ParseServedBlobUri(uri, kEndpoints, "f");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, at);
}

}  // namespace
}  // namespace gallery::domain
