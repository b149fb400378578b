#include "api/api_versions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gallery::api {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kGalleryVersions = {
    "2018-06-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-09-30",
    "2021-07-01", "2021-10-01", "2022-01-03", "2022-03-03", "2022-08-03",
    "2023-07-03", "2024-03-03", "2025-03-03"};

void ExpectAccepted(ApiFamily family, const std::string& version) {
  Status s = CheckApiVersion(family, version);
  EXPECT_TRUE(s.ok()) << version << ": " << s.ToString();
}

void ExpectInvalid(ApiFamily family, const std::string& version,
                   const std::vector<std::string>& listed) {
  Status s = CheckApiVersion(family, version);
  ASSERT_FALSE(s.ok()) << version << " accepted";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << version;
  EXPECT_EQ(s.reason(), "InvalidApiVersionParameter") << version;
  EXPECT_EQ(s.target(), "api-version") << version;
  EXPECT_THAT(s.message(), HasSubstr("'" + version + "'"));
  for (const std::string& v : listed) {
    EXPECT_THAT(s.message(), HasSubstr(v)) << "supported list for " << version;
  }
}

// --- missing ---

TEST(ApiVersionsTest, MissingApiVersionIsMissingApiVersionParameterInEveryFamily) {
  for (ApiFamily f :
       {ApiFamily::kGallery, ApiFamily::kCompute, ApiFamily::kResources, ApiFamily::kOperations}) {
    Status s = CheckApiVersion(f, "");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.reason(), "MissingApiVersionParameter");
    EXPECT_EQ(s.target(), "api-version");
  }
}

// --- gallery ---

TEST(ApiVersionsTest, GalleryAcceptsAllThirteenGalleryVersions) {
  ASSERT_EQ(kGalleryVersions.size(), 13u);
  for (const std::string& v : kGalleryVersions) {
    ExpectAccepted(ApiFamily::kGallery, v);
  }
}

TEST(ApiVersionsTest, GalleryRejectsVersionsOutsideItsListNamingTheSupportedOnes) {
  for (const char* v :
       {"2017-01-01", "2018-04-01", "2099-01-01", "latest", "2022-03-03-preview", "2022-03-3"}) {
    ExpectInvalid(ApiFamily::kGallery, v, kGalleryVersions);
  }
}

// --- compute ---

TEST(ApiVersionsTest, ComputeAcceptsVersionsFrom20180401) {
  for (const char* v : {"2018-04-01", "2018-06-01", "2019-07-01", "2021-04-01", "2022-08-01",
                        "2024-03-01", "2025-04-01"}) {
    ExpectAccepted(ApiFamily::kCompute, v);
  }
}

TEST(ApiVersionsTest, ComputeRejectsOlderAndUnknownVersions) {
  for (const char* v : {"2017-12-01", "2017-01-01", "2099-01-01", "latest"}) {
    ExpectInvalid(ApiFamily::kCompute, v, {"2018-04-01", "2025-04-01"});
  }
}

// --- resources ---

TEST(ApiVersionsTest, ResourcesAcceptsTheVersionsAzureCliAndSdksSend) {
  for (const char* v :
       {"2016-06-01", "2019-10-01", "2019-11-01", "2021-04-01", "2022-09-01", "2024-07-01"}) {
    ExpectAccepted(ApiFamily::kResources, v);
  }
}

TEST(ApiVersionsTest, ResourcesRejectsUnknownVersions) {
  for (const char* v : {"2014-01-01", "2099-01-01", "latest"}) {
    ExpectInvalid(ApiFamily::kResources, v, {"2016-06-01", "2021-04-01", "2024-07-01"});
  }
}

TEST(ApiVersionsTest, FamiliesAreCheckedSeparately) {
  // A resources-only version is not a gallery version and a compute-only one is neither.
  EXPECT_EQ(CheckApiVersion(ApiFamily::kGallery, "2021-04-01").reason(),
            "InvalidApiVersionParameter");
  EXPECT_EQ(CheckApiVersion(ApiFamily::kResources, "2025-03-03").reason(),
            "InvalidApiVersionParameter");
  EXPECT_EQ(CheckApiVersion(ApiFamily::kCompute, "2022-03-03").reason(),
            "InvalidApiVersionParameter");
}

// --- operations ---

TEST(ApiVersionsTest, OperationsAcceptAnyKnownVersion) {
  for (const char* v : {"2022-03-03", "2018-04-01", "2021-04-01", "2016-06-01"}) {
    ExpectAccepted(ApiFamily::kOperations, v);
  }
}

TEST(ApiVersionsTest, OperationsRejectUnknownVersions) {
  for (const char* v : {"2099-01-01", "latest"}) {
    ExpectInvalid(ApiFamily::kOperations, v, {"2018-06-01", "2025-03-03"});
  }
}

TEST(ApiVersionsTest, DisksAcceptDiskRpVersionsAndTheirOperationsToo) {
  for (const char* v : {"2018-04-01", "2019-07-01", "2022-07-02", "2023-10-02"}) {
    EXPECT_TRUE(CheckApiVersion(ApiFamily::kDisks, v).ok()) << v;
    EXPECT_TRUE(CheckApiVersion(ApiFamily::kOperations, v).ok()) << v;
  }
  Status old = CheckApiVersion(ApiFamily::kDisks, "2017-03-30");
  EXPECT_EQ(old.reason(), "InvalidApiVersionParameter");
  EXPECT_NE(old.message().find("2022-07-02"), std::string::npos);
  EXPECT_FALSE(CheckApiVersion(ApiFamily::kDisks, "2024-03-01").ok());
  EXPECT_FALSE(CheckApiVersion(ApiFamily::kCompute, "2022-07-02").ok());
}

}  // namespace
}  // namespace gallery::api
