// `gallery image download` and `gallery sig image-version download` against a scripted server:
// the grant they ask for (with --lun), the ranged reads, the revocation, and the arguments
// refused before any request.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "cli/disk_test_util.h"
#include "cli/disk_upload.h"
#include "common/file_util.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kGroup = "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute";
const std::string kVersion = kGroup + "/galleries/gal1/images/def1/versions/1.0.0";
const std::string kImage = kGroup + "/images/img1";
const std::string kOp =
    "https://127.0.0.1:8443/subscriptions/sub1/providers/Microsoft.Compute/locations/westus/"
    "capsOperations/op1?api-version=2022-03-03";
const std::string kOpResult =
    "https://127.0.0.1:8443/subscriptions/sub1/providers/Microsoft.Compute/locations/westus/"
    "operationResults/op1?api-version=2022-03-03";

class ExportCommandsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SaveProfile();
  }
  // beginGetAccess: 202, the operation, the result with the URL.
  void RespondGrant() {
    transport_.Respond(202, "", {{"Azure-AsyncOperation", kOp}, {"Location", kOpResult}});
    transport_.RespondJson(200, {{"status", "Succeeded"}});
    transport_.RespondJson(200, {{"accessSAS", kTestSas}});
  }
  std::string Out(const std::string& name) const { return (dir_ / name).string(); }
};

TEST_F(ExportCommandsTest, VersionDownloadAsksForTheLunReadsAndRevokes) {
  // The blob: 4 MiB of disk + the footer.
  const std::string data = Pattern(4 * kMiB, 3);
  RespondGrant();
  transport_.Respond(206, std::string(512, '\0'), {{"Content-Range", "bytes 0-511/4194816"}});
  transport_.Respond(206, data);
  transport_.Respond(200);  // endGetAccess
  const std::string out_file = Out("v.raw");
  EXPECT_EQ(Run({"sig", "image-version", "download", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "-o", out_file, "--format", "raw", "--lun", "2", "--threads", "1"}),
            0)
      << err();
  const std::string api = "?api-version=2022-03-03";
  EXPECT_THAT(
      transport_.Requests(),
      ElementsAre("POST " + kVersion + "/beginGetAccess" + api, "GET " + kOp, "GET " + kOpResult,
                  "GET " + std::string(kTestSas), "GET " + std::string(kTestSas),
                  "POST " + kVersion + "/endGetAccess" + api));
  EXPECT_EQ(transport_.Body(0),
            json::parse(R"({"access":"Read","durationInSeconds":3600,"lun":2})"));
  EXPECT_EQ(ReadFile(out_file).value(), data);
  EXPECT_EQ(out(), "");
}

TEST_F(ExportCommandsTest, ImageDownloadWithoutLunAsksForTheOsDiskAndRevokesAfterAnError) {
  RespondGrant();
  transport_.Respond(500,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>DataLoss"
                     "</Code><Message>The disk's stored bytes failed verification: x"
                     "</Message></Error>",
                     {{"x-ms-error-code", "DataLoss"}});
  transport_.Respond(200);  // endGetAccess
  EXPECT_EQ(Run({"image", "download", "-g", "rg1", "-n", "img1", "-o", Out("i.vhd")}), 1);
  EXPECT_THAT(err(), HasSubstr("(DataLoss) The disk's stored bytes failed verification"));
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"access":"Read","durationInSeconds":3600})"));
  EXPECT_EQ(transport_.Requests().front(),
            "POST " + kImage + "/beginGetAccess?api-version=2022-11-01");
  EXPECT_EQ(transport_.Requests().back(),
            "POST " + kImage + "/endGetAccess?api-version=2022-11-01");
}

TEST_F(ExportCommandsTest, BadArgumentsAreRefusedBeforeAnyRequest) {
  EXPECT_EQ(Run({"image", "download", "-g", "rg1", "-n", "img1", "-o", Out("a"), "--lun", "-1"}),
            2);
  EXPECT_THAT(err(), HasSubstr("--lun: Value -1 not in range 0 to 2147483647"));
  EXPECT_EQ(Run({"image", "download", "-g", "rg1", "-n", "img1", "-o", Out("a"), "--threads", "0"}),
            2);
  EXPECT_EQ(Run({"sig", "image-version", "download", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
                 "1.0.0", "-o", Out("a"), "--format", "qcow2"}),
            2);
  EXPECT_EQ(Run({"sig", "image-version", "download", "-g", "rg1", "-r", "gal1", "-i", "def1", "-o",
                 Out("a")}),
            2);
  EXPECT_THAT(transport_.Requests(), IsEmpty());
}

}  // namespace
}  // namespace gallery::cli
