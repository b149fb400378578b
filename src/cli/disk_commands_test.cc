// `gallery disk ...` against a scripted server: the exact requests of upload, resume and
// download, and how ARM and storage errors reach the user.

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

constexpr uint64_t k20MiB = 20 * kMiB;
const std::string kDisk =
    "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/disks/d1";
const std::string kApi = "?api-version=2022-07-02";
const std::string kOp =
    "https://127.0.0.1:8443/subscriptions/sub1/providers/Microsoft.Compute/locations/westus/"
    "DiskOperations/op1?api-version=2022-07-02";
const std::string kOpResult =
    "https://127.0.0.1:8443/subscriptions/sub1/providers/Microsoft.Compute/locations/westus/"
    "DiskOperations/op1?monitor=true&api-version=2022-07-02";

json Disk(const std::string& state, uint64_t upload_size = k20MiB + 512) {
  return {{"id", kDisk},
          {"name", "d1"},
          {"location", "westus"},
          {"sku", {{"name", "Standard_LRS"}}},
          {"properties",
           {{"diskState", state},
            {"creationData", {{"createOption", "Upload"}, {"uploadSizeBytes", upload_size}}},
            {"provisioningState", "Succeeded"}}}};
}

std::string StorageError(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" +
         message + "</Message></Error>";
}

class DiskCommandsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SaveProfile();
    // A fixed VHD of 20 MiB: data in piece 1 (4-8 MiB) only, holes elsewhere, the footer is
    // the last piece.
    vhd_ = (dir_ / "disk.vhd").string();
    WriteSparseFile(vhd_, k20MiB + 512,
                    {{4 * kMiB, Pattern(4 * kMiB, 1)}, {k20MiB, FixedFooter(k20MiB)}});
  }

  // A plain upload's first calls: the GET that finds no disk of that name, then its creation.
  void RespondNewDisk() {
    transport_.RespondJson(404, {{"error",
                                  {{"code", "ResourceNotFound"},
                                   {"message",
                                    "The Resource 'Microsoft.Compute/disks/d1' under "
                                    "resource group 'rg1' was not found."}}}});
    transport_.RespondJson(200, Disk("ReadyToUpload"));
  }
  // beginGetAccess as Azure answers it: 202, the operation, then the Location's result.
  void RespondGrant(const std::string& sas = kTestSas) {
    transport_.Respond(202, "", {{"Azure-AsyncOperation", kOp}, {"Location", kOpResult}});
    transport_.RespondJson(200, {{"status", "Succeeded"}});
    transport_.RespondJson(200, {{"accessSAS", sas}});
  }
  // endGetAccess: 202, one poll in progress, then done.
  void RespondSeal() {
    transport_.Respond(202, "", {{"Azure-AsyncOperation", kOp}});
    transport_.RespondJson(200, {{"status", "InProgress"}, {"percentComplete", 50}});
    transport_.RespondJson(200, {{"status", "Succeeded"}, {"percentComplete", 100}});
  }

  // `gallery disk upload FILE` interrupted after its first two pieces (a hole, then data): the disk
  // exists, the upload is recorded in the journal.
  void InterruptUploadOf(const std::string& file) {
    RespondNewDisk();
    RespondGrant();
    transport_.Respond(201);
    ASSERT_EQ(Run({"disk", "upload", file, "-g", "rg1", "-n", "d1", "-l", "westus", "--threads",
                   "1", "--stop-after-pieces", "2"}),
              1);
    ASSERT_THAT(err(), HasSubstr("(UploadInterrupted)"));
    ASSERT_EQ(transport_.pending(), 0u);
    transport_.calls.clear();
  }
  std::filesystem::path Journals() const { return dir_ / "config" / "uploads"; }

  std::string vhd_;
};

TEST_F(DiskCommandsTest, UploadCreatesGrantsSendsOnlyDataPiecesSealsAndShows) {
  RespondNewDisk();
  RespondGrant();
  transport_.Respond(201);  // piece 1
  transport_.Respond(201);  // the footer's piece
  RespondSeal();
  transport_.RespondJson(200, Disk("Unattached"));

  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus", "--os-type",
                 "Linux", "--threads", "1"}),
            0)
      << err();
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kDisk + kApi, "PUT " + kDisk + kApi,
                          "POST " + kDisk + "/beginGetAccess" + kApi, "GET " + kOp,
                          "GET " + kOpResult, "PUT " + std::string(kTestSas) + "&comp=page",
                          "PUT " + std::string(kTestSas) + "&comp=page",
                          "POST " + kDisk + "/endGetAccess" + kApi, "GET " + kOp, "GET " + kOp,
                          "GET " + kDisk + kApi));
  EXPECT_EQ(transport_.Body(1), json::parse(R"({"location":"westus",
      "sku":{"name":"Standard_LRS"},
      "properties":{"osType":"Linux","hyperVGeneration":"V1",
        "creationData":{"createOption":"Upload","uploadSizeBytes":20972032}}})"));
  // The creation is conditional: it creates the disk only if no other upload did meanwhile.
  EXPECT_EQ(FindHeader(transport_.calls[1].headers, "If-None-Match"), "*");
  EXPECT_EQ(transport_.Body(2), json::parse(R"({"access":"Write","durationInSeconds":3600})"));
  EXPECT_EQ(FindHeader(transport_.calls[5].headers, "x-ms-range"), "bytes=4194304-8388607");
  EXPECT_EQ(transport_.calls[5].body, Pattern(4 * kMiB, 1));
  EXPECT_EQ(FindHeader(transport_.calls[6].headers, "x-ms-range"), "bytes=20971520-20972031");
  EXPECT_EQ(transport_.calls[6].body, FixedFooter(k20MiB));
  EXPECT_FALSE(FindHeader(transport_.calls[5].headers, "Authorization").has_value());
  EXPECT_TRUE(transport_.Body(7).empty() || transport_.Body(7) == json::object());
  EXPECT_EQ(OutJson(), Disk("Unattached"));
  // The data plane got its own connection to the SAS URL's server.
  EXPECT_EQ(transports_made_.back().first, "https://127.0.0.1:8443/");
  EXPECT_THAT(err(), HasSubstr("Uploading [####################] 100% 20.0 MiB/20.0 MiB"));
  EXPECT_THAT(err(), HasSubstr("Sealing the disk: 50%\n"));
  EXPECT_THAT(err(), HasSubstr("Sealing the disk: 100%\n"));
  EXPECT_EQ(transport_.pending(), 0u);
}

TEST_F(DiskCommandsTest, UploadWithoutResumeOntoAnUploadInProgressIsRefusedBeforeAnyWrite) {
  for (const std::string state : {"ActiveUpload", "ReadyToUpload"}) {
    transport_.calls.clear();
    transport_.RespondJson(200, Disk(state));
    EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
    EXPECT_EQ(err(), "ERROR: (DiskAlreadyExists) The disk 'd1' already exists (state '" + state +
                         "') with an upload in progress; uploading " + vhd_ +
                         " onto it without --resume would keep the pages written before wherever "
                         "the file has zeros and seal a mix of two files. Nothing was changed. If "
                         "that upload is of this file, finish it with: gallery disk upload " +
                         vhd_ +
                         " -g rg1 -n d1 --resume; else delete the disk (gallery disk delete -g "
                         "rg1 -n d1) and upload again.\n");
    // Only the GET: no creation (a PUT would update the disk), no grant, no page.
    EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kDisk + kApi));
    EXPECT_FALSE(std::filesystem::exists(Journals()));
  }
}

TEST_F(DiskCommandsTest, UploadOntoASealedDiskIsRefusedBeforeAnyWrite) {
  transport_.RespondJson(200, Disk("Unattached"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
  EXPECT_EQ(err(),
            "ERROR: (DiskAlreadyExists) The disk 'd1' already exists (state 'Unattached'); an "
            "upload makes a new disk. Nothing was changed: delete it first (gallery disk delete "
            "-g rg1 -n d1) or upload under another name.\n");
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kDisk + kApi));
}

// Another upload of the same name created the disk between the check and the creation: the
// creation (If-None-Match: *) is refused with 412, and the user gets the check's answer.
TEST_F(DiskCommandsTest, ADiskCreatedByAnotherUploadMeanwhileIsRefusedAsAlreadyExisting) {
  transport_.RespondJson(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "no d1"}}}});
  transport_.RespondJson(
      412,
      {{"error",
        {{"code", "PreconditionFailed"}, {"message", "The disk 'd1' already exists, and ..."}}}});
  transport_.RespondJson(200, Disk("ReadyToUpload"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (DiskAlreadyExists) The disk 'd1' already exists (state "
                               "'ReadyToUpload') with an upload in progress;"));
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kDisk + kApi, "PUT " + kDisk + kApi, "GET " + kDisk + kApi));
  EXPECT_EQ(FindHeader(transport_.calls[1].headers, "If-None-Match"), "*");
  EXPECT_FALSE(std::filesystem::exists(Journals()));
  // And deleted again before the second look: still refused, nothing written.
  transport_.calls.clear();
  transport_.RespondJson(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "no d1"}}}});
  transport_.RespondJson(412, {{"error", {{"code", "PreconditionFailed"}, {"message", "exists"}}}});
  transport_.RespondJson(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "no d1"}}}});
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
  EXPECT_EQ(err(),
            "ERROR: (DiskAlreadyExists) The disk 'd1' was created by someone else while "
            "this upload began. Nothing was changed; upload again, or under another "
            "name.\n");
  EXPECT_EQ(transport_.pending(), 0u);
}

TEST_F(DiskCommandsTest, ResumeSendsOnlyThePiecesThePageListLacks) {
  InterruptUploadOf(vhd_);
  ASSERT_FALSE(std::filesystem::is_empty(Journals()));
  transport_.RespondJson(200, Disk("ActiveUpload"));
  transport_.RespondJson(200, {{"accessSAS", kTestSas}});  // a grant answered at once
  transport_.Respond(200,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?><PageList><PageRange><Start>"
                     "4194304</Start><End>8388607</End></PageRange></PageList>");
  transport_.Respond(201);  // the footer's piece only
  transport_.Respond(200);  // endGetAccess done at once
  transport_.RespondJson(200, Disk("Unattached"));

  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "--resume", "--threads", "1"}), 0)
      << err();
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("GET " + kDisk + kApi, "POST " + kDisk + "/beginGetAccess" + kApi,
                          "GET " + std::string(kTestSas) + "&comp=pagelist",
                          "PUT " + std::string(kTestSas) + "&comp=page",
                          "POST " + kDisk + "/endGetAccess" + kApi, "GET " + kDisk + kApi));
  EXPECT_EQ(FindHeader(transport_.calls[3].headers, "x-ms-range"), "bytes=20971520-20972031");
  EXPECT_EQ(OutJson(), Disk("Unattached"));
  // Sealed: the journal of the upload is gone.
  EXPECT_TRUE(std::filesystem::is_empty(Journals()));
}

TEST_F(DiskCommandsTest, ResumeWithAnotherFileOfTheSameSizeIsRefusedBeforeAnyWrite) {
  InterruptUploadOf(vhd_);
  // Another fixed VHD of the same size: the page list cannot tell it from the first.
  std::string other = (dir_ / "other.vhd").string();
  WriteSparseFile(other, k20MiB + 512, {{0, Pattern(4 * kMiB, 5)}, {k20MiB, FixedFooter(k20MiB)}});
  transport_.RespondJson(200, Disk("ActiveUpload"));
  EXPECT_EQ(Run({"disk", "upload", other, "-g", "rg1", "-n", "d1", "--resume"}), 1);
  EXPECT_EQ(err(), "ERROR: (UploadFileMismatch) --resume continues the upload of " + vhd_ +
                       ", but " + other + " is not that file: it is another file (" + other +
                       ", the upload started from " + vhd_ +
                       "). To start over, delete the disk (gallery disk delete -g rg1 -n d1) and "
                       "upload again without --resume (gallery disk upload FILE -g rg1 -n d1 -l "
                       "westus).\n");
  EXPECT_THAT(transport_.Requests(), ElementsAre("GET " + kDisk + kApi));
}

TEST_F(DiskCommandsTest, ResumeWithTheSameFileChangedInPlaceIsRefused) {
  InterruptUploadOf(vhd_);
  WriteSparseFile(vhd_, k20MiB + 512, {{0, Pattern(4 * kMiB, 6)}, {k20MiB, FixedFooter(k20MiB)}});
  transport_.RespondJson(200, Disk("ActiveUpload"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "--resume"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (UploadFileMismatch) --resume continues the upload of " +
                               vhd_ + ", but " + vhd_ +
                               " is not that file: its content changed since the upload started"));
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(DiskCommandsTest, ResumeOfAnUploadNotStartedHereIsRefused) {
  transport_.RespondJson(200, Disk("ActiveUpload"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "--resume"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (UploadNotResumable) No upload to '" + kDisk +
                               "' was started from this machine"));
  EXPECT_THAT(err(), HasSubstr("so --resume cannot tell whether the pages the disk holds are " +
                               vhd_ + "'s. To start over, delete the disk"));
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(DiskCommandsTest, ResumeOfASealedDiskIsRefusedBeforeAnyWrite) {
  transport_.RespondJson(200, Disk("Unattached"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "--resume"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (InvalidDiskState) The disk 'd1' is in state "
                               "'Unattached'; --resume needs an upload in progress"));
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(DiskCommandsTest, ResumeWithAnotherFileSizeIsRefused) {
  transport_.RespondJson(200, Disk("ActiveUpload", 64 * kMiB + 512));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "--resume"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (UploadSizeMismatch) The disk 'd1' expects an upload of "
                               "67109376 bytes, but this file makes 20972032"));
  EXPECT_EQ(transport_.calls.size(), 1u);
}

TEST_F(DiskCommandsTest, ArmErrorOfTheDiskCreationIsShownWithCodeAndMessage) {
  transport_.RespondJson(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "no"}}}});
  transport_.RespondJson(400, {{"error",
                                {{"code", "InvalidParameter"},
                                 {"message", "uploadSizeBytes must be at least 20 MiB + 512"},
                                 {"target", "uploadSizeBytes"}}}});
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
  EXPECT_EQ(err(),
            "ERROR: (InvalidParameter) uploadSizeBytes must be at least 20 MiB + 512\n"
            "Target: uploadSizeBytes\n");
  EXPECT_EQ(transport_.calls.size(), 2u);
}

TEST_F(DiskCommandsTest, StorageErrorOfAPageWriteIsShownAndNothingIsSealed) {
  RespondNewDisk();
  RespondGrant();
  transport_.Respond(403, StorageError("AuthenticationFailed", "The signature has expired."),
                     {{"x-ms-error-code", "AuthenticationFailed"}});
  EXPECT_EQ(
      Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus", "--threads", "1"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (AuthenticationFailed) The signature has expired.\n"));
  EXPECT_THAT(err(), HasSubstr("The disk 'd1' stays in ActiveUpload; after fixing the cause, "
                               "finish the upload with: gallery disk upload " +
                               vhd_ + " -g rg1 -n d1 --resume\n"));
  EXPECT_EQ(transport_.calls.size(), 6u);  // no endGetAccess
  EXPECT_EQ(transport_.calls.back().method, "PUT");
}

TEST_F(DiskCommandsTest, FailedSealShowsTheOperationError) {
  RespondNewDisk();
  RespondGrant();
  transport_.Respond(201);
  transport_.Respond(201);
  transport_.Respond(202, "", {{"Azure-AsyncOperation", kOp}});
  transport_.RespondJson(
      200, {{"status", "Failed"},
            {"error", {{"code", "InvalidVhd"}, {"message", "The VHD footer checksum is wrong"}}}});
  EXPECT_EQ(
      Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus", "--threads", "1"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (InvalidVhd) The VHD footer checksum is wrong\n"));
  EXPECT_EQ(transport_.pending(), 0u);
}

TEST_F(DiskCommandsTest, GrantWithoutAccessSasIsAnInvalidResponse) {
  RespondNewDisk();
  transport_.RespondJson(200, json::object());
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (InvalidResponse) the server granted access to disk 'd1' "
                               "without an accessSAS"));
}

TEST_F(DiskCommandsTest, AFileThatIsNotAVhdIsRefusedBeforeAnyRequest) {
  std::string path = (dir_ / "disk.img").string();
  WriteSparseFile(path, 0, {{0, Pattern(k20MiB, 2)}});
  EXPECT_EQ(Run({"disk", "upload", path, "-g", "rg1", "-n", "d1", "-l", "westus"}), 1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (UnsupportedDiskFormat) "));
  EXPECT_THAT(err(), HasSubstr("--format raw"));
  EXPECT_TRUE(transport_.calls.empty());
}

TEST_F(DiskCommandsTest, MissingFileAndMissingLocationAreRefusedBeforeAnyRequest) {
  EXPECT_EQ(Run({"disk", "upload", (dir_ / "nope.vhd").string(), "-g", "rg1", "-n", "d1", "-l",
                 "westus"}),
            3);
  EXPECT_THAT(err(), HasSubstr("nope.vhd"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1"}), 2);
  EXPECT_THAT(err(), HasSubstr("-l/--location"));
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "w", "--threads", "0"}), 2);
  EXPECT_EQ(Run({"disk", "upload", vhd_, "-g", "rg1", "-n", "d1", "-l", "w", "--format", "qcow2"}),
            2);
  EXPECT_TRUE(transport_.calls.empty());
}

TEST_F(DiskCommandsTest, InterruptedUploadLeavesTheDiskForResume) {
  std::string path = (dir_ / "disk.raw").string();
  WriteSparseFile(path, 0, {{0, Pattern(k20MiB, 3)}});
  RespondNewDisk();
  RespondGrant();
  transport_.Respond(201);
  transport_.Respond(201);
  EXPECT_EQ(Run({"disk", "upload", path, "-g", "rg1", "-n", "d1", "-l", "westus", "--format", "raw",
                 "--threads", "1", "--stop-after-pieces", "2"}),
            1);
  EXPECT_THAT(err(), HasSubstr("ERROR: (UploadInterrupted) The upload stopped with 8.0 MiB of "
                               "20.0 MiB done; the disk 'd1' stays in ActiveUpload. Finish it "
                               "with: gallery disk upload " +
                               path + " -g rg1 -n d1 --format raw --resume"));
  EXPECT_EQ(transport_.calls.size(), 7u);  // no endGetAccess
}

TEST_F(DiskCommandsTest, DownloadRawReadsPiecesSkipsZerosAndRevokes) {
  // The blob: 8 MiB of disk (piece 0 zeros, piece 1 data) + the footer.
  std::string data = Pattern(4 * kMiB, 4);
  RespondGrant();
  transport_.Respond(206, std::string(512, '\0'), {{"Content-Range", "bytes 0-511/8389120"}});
  transport_.Respond(206, std::string(4 * kMiB, '\0'));
  transport_.Respond(206, data);
  transport_.Respond(200);  // endGetAccess
  std::string out_file = (dir_ / "out.raw").string();
  EXPECT_EQ(Run({"disk", "download", "-g", "rg1", "-n", "d1", "-o", out_file, "--format", "raw",
                 "--threads", "1"}),
            0)
      << err();
  EXPECT_THAT(
      transport_.Requests(),
      ElementsAre("POST " + kDisk + "/beginGetAccess" + kApi, "GET " + kOp, "GET " + kOpResult,
                  "GET " + std::string(kTestSas), "GET " + std::string(kTestSas),
                  "GET " + std::string(kTestSas), "POST " + kDisk + "/endGetAccess" + kApi));
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"access":"Read","durationInSeconds":3600})"));
  // Only this download's grant ends (the si of its URL): other readers of the disk go on.
  EXPECT_EQ(transport_.Body(6), json::parse(R"({"grantId":"g1"})"));
  EXPECT_EQ(FindHeader(transport_.calls[4].headers, "Range"), "bytes=0-4194303");
  EXPECT_EQ(FindHeader(transport_.calls[5].headers, "Range"), "bytes=4194304-8388607");
  Result<std::string> file = ReadFile(out_file);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->size(), 8 * kMiB);
  EXPECT_TRUE(IsAllZero(std::string_view(*file).substr(0, 4 * kMiB)));
  EXPECT_EQ(file->substr(4 * kMiB), data);
  EXPECT_EQ(out(), "");
}

TEST_F(DiskCommandsTest, DownloadErrorStillRevokesAndIsShown) {
  RespondGrant();
  transport_.Respond(404, StorageError("BlobNotFound", "The specified blob does not exist."));
  transport_.Respond(200);  // endGetAccess
  EXPECT_EQ(Run({"disk", "download", "-g", "rg1", "-n", "d1", "-o", (dir_ / "out.vhd").string()}),
            3);
  EXPECT_THAT(err(), HasSubstr("ERROR: (BlobNotFound) The specified blob does not exist.\n"));
  EXPECT_EQ(transport_.Requests().back(), "POST " + kDisk + "/endGetAccess" + kApi);
}

TEST_F(DiskCommandsTest, GrantAccessPrintsTheUrlAsAzDoes) {
  RespondGrant("https://127.0.0.1:8443/disks/u1?sp=r&sig=x");
  EXPECT_EQ(Run({"disk", "grant-access", "-g", "rg1", "-n", "d1", "--access-level", "Read",
                 "--duration-in-seconds", "600"}),
            0)
      << err();
  EXPECT_EQ(transport_.Body(0), json::parse(R"({"access":"Read","durationInSeconds":600})"));
  EXPECT_EQ(OutJson(), json({{"accessSas", "https://127.0.0.1:8443/disks/u1?sp=r&sig=x"}}));
}

TEST_F(DiskCommandsTest, RevokeShowListAndDelete) {
  transport_.Respond(200);
  EXPECT_EQ(Run({"disk", "revoke-access", "-g", "rg1", "-n", "d1"}), 0) << err();
  // az disk revoke-access: every grant of the disk ends.
  EXPECT_EQ(transport_.Body(0), json::object());
  transport_.RespondJson(200, Disk("Unattached"));
  EXPECT_EQ(Run({"disk", "show", "-g", "rg1", "-n", "d1", "-o", "table"}), 0);
  EXPECT_EQ(out(),
            "Name  ResourceGroup  Location  ProvisioningState  Sku           OsType  DiskSizeGB  "
            "DiskState\n"
            "----  -------------  --------  -----------------  ------------  ------  ----------  "
            "----------\n"
            "d1    rg1            westus    Succeeded          Standard_LRS                      "
            "Unattached\n");
  transport_.RespondJson(200, {{"value", {Disk("Unattached")}}});
  EXPECT_EQ(Run({"disk", "list"}), 0);
  EXPECT_EQ(OutJson(), json::array({Disk("Unattached")}));
  transport_.Respond(200);
  EXPECT_EQ(Run({"disk", "delete", "-g", "rg1", "-n", "d1"}), 0);
  EXPECT_THAT(transport_.Requests(),
              ElementsAre("POST " + kDisk + "/endGetAccess" + kApi, "GET " + kDisk + kApi,
                          "GET /subscriptions/sub1/providers/Microsoft.Compute/disks" + kApi,
                          "DELETE " + kDisk + kApi));
}

TEST_F(DiskCommandsTest, ShowOfAMissingDiskExitsWithNotFound) {
  transport_.RespondJson(404, {{"error",
                                {{"code", "ResourceNotFound"},
                                 {"message",
                                  "The Resource 'Microsoft.Compute/disks/d1' under "
                                  "resource group 'rg1' was not found."}}}});
  EXPECT_EQ(Run({"disk", "show", "-g", "rg1", "-n", "d1"}), 3);
  EXPECT_THAT(err(), HasSubstr("ERROR: (ResourceNotFound) The Resource"));
}

}  // namespace
}  // namespace gallery::cli
