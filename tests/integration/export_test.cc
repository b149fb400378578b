// Export of managed images and image versions over real HTTPS: a qemu-img-made fixed VHD
// uploaded with `gallery disk upload`, an image made from the disk, a version of the image,
// then `gallery image download` and `gallery sig image-version download` give back the same
// disk (qemu-img compare); a chunk corrupted on disk fails a download rather than returning
// wrong bytes; revoked, expired and Write grants are refused.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "arm_test_fixture.h"
#include "cli_expect.h"
#include "page_list.h"
#include "storage/chunk_digest.h"
#include "storage/ingest.h"
#include "storage/stored_chunk_test_util.h"

namespace gallery::testing {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMiB = uint64_t{1} << 20;
// 24 MiB: above Azure's 20 MiB minimum upload, six download pieces.
constexpr uint64_t kDiskBytes = 24 * kMiB;
// The chunk size of galleryd's stores (storage/ingest.h kDefaultChunkSize).
constexpr uint64_t kChunkBytes = storage::kDefaultChunkSize;  // galleryd's

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ExportTest : public ArmFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    home_ = dir_.path() / "home";
    fs::create_directories(home_);
    os_raw_ = Path("os.raw");
    data_raw_ = Path("data.raw");
    // Random 1 MiB runs between zero runs (holes).
    const std::vector<uint64_t> runs = {0, 5 * kMiB, 6 * kMiB, 13 * kMiB, 23 * kMiB};
    ASSERT_TRUE(WriteRawTestDisk(os_raw_, kDiskBytes, 42, runs).ok());
    ASSERT_TRUE(WriteRawTestDisk(data_raw_, kDiskBytes, 7, runs).ok());
    Ok({"login", "--bootstrap", server_->bootstrap_file().string()});
    Ok({"group", "create", "-n", "rg1", "-l", kSouthCentral});
  }

  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }

  CommandResult Gallery(std::vector<std::string> args) {
    return RunGallery(std::move(args), home_ / "config", home_);
  }

  // Runs a command that must succeed; its JSON output (null when none).
  json Ok(const std::vector<std::string>& args) { return SucceededJson(args, Gallery(args)); }

  // Uploads `raw` as a qemu-img fixed VHD into disk `name`; returns the disk's id.
  std::string UploadDisk(const std::string& raw, const std::string& name) {
    const std::string vhd = Path(name + ".vhd");
    CommandResult made = RunCommand({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                                     "subformat=fixed,force_size=on", raw, vhd});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    json disk = Ok({"disk", "upload", vhd, "-g", "rg1", "-n", name, "-l", kSouthCentral});
    EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
    return disk.value("id", "");
  }

  // Image img1 from the OS disk (and a data disk at lun 0 when `with_data`), definition def1 in
  // gallery gal1, and its version 1.0.0.
  void PublishVersion(bool with_data) {
    std::vector<std::string> create = {
        "image", "create",    "-g",    "rg1",      "-n",
        "img1",  "--os-type", "Linux", "--source", UploadDisk(os_raw_, "os1")};
    if (with_data) {
      create.insert(create.end(), {"--data-disk-sources", UploadDisk(data_raw_, "data1")});
    }
    json image = Ok(create);
    ASSERT_EQ(image["properties"]["provisioningState"], "Succeeded") << image.dump();
    Ok({"sig", "create", "-g", "rg1", "-r", "gal1"});
    Ok({"sig", "image-definition", "create", "-g", "rg1", "-r", "gal1", "-i", "def1", "--publisher",
        "p", "--offer", "o", "--sku", "s", "--os-type", "Linux"});
    json version =
        Ok({"sig", "image-version", "create", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e",
            "1.0.0", "--managed-image", "img1", "--target-regions", kSouthCentral});
    ASSERT_EQ(version["properties"]["provisioningState"], "Succeeded") << version.dump();
  }

  std::vector<std::string> VersionDownload(const std::string& out, const std::string& format) {
    return {"sig", "image-version", "download", "-g", "rg1",      "-r",  "gal1", "-i", "def1",
            "-e",  "1.0.0",         "-o",       out,  "--format", format};
  }
  std::vector<std::string> ImageDownload(const std::string& out, const std::string& format) {
    return {"image", "download", "-g", "rg1", "-n", "img1", "-o", out, "--format", format};
  }

  // qemu-img compare of a downloaded disk (`format` raw or vpc) with the raw `source`.
  static void ExpectSameDisk(const std::string& source, const std::string& out,
                             const std::string& format) {
    CommandResult r =
        RunCommand({"/usr/bin/qemu-img", "compare", "-f", "raw", "-F", format, source, out});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, "Images are identical.")) << r.out;
  }

  // Follows an export action's 202 to its end: the operation status and the result answer.
  std::pair<json, HttpResult> Finish(const HttpResult& accepted) {
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    json status = Body(Call("GET", accepted.Header("Azure-AsyncOperation").value_or("")));
    EXPECT_EQ(status["status"], "Succeeded") << status.dump();
    return {status, Call("GET", accepted.Header("Location").value_or(""))};
  }
  // A Read grant of version 1.0.0 for `seconds`: its accessSAS.
  std::string GrantVersion(int seconds = 3600) {
    auto [status, result] =
        Finish(Call("POST", Q(VerPath("1.0.0") + "/beginGetAccess", kVersionApi),
                    {{"access", "Read"}, {"durationInSeconds", seconds}}));
    EXPECT_EQ(result.status, 200) << result.body;
    const std::string url = Body(result).value("accessSAS", "");
    EXPECT_EQ(status["properties"]["output"]["accessSAS"], url);
    return url;
  }

  HttpResult Get(const std::string& url, const std::string& range = "") {
    HttpCall call{"GET", url, {}, ""};
    if (!range.empty()) {
      call.headers.push_back({"Range", range});
    }
    Result<HttpResult> r = client_->Send(call);
    return r.ok() ? *r : HttpResult{0, {}, r.status().ToString()};
  }

  static void ExpectStorageError(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("x-ms-error-code").value_or(""), code) << r.body;
  }

  static std::string Slice(const std::string& path, uint64_t offset, uint64_t length) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string out(length, '\0');
    in.read(out.data(), static_cast<std::streamsize>(length));
    return out;
  }

  fs::path home_;
  std::string os_raw_;
  std::string data_raw_;
};

TEST_F(ExportTest, VersionAndImageDownloadsAreTheUploadedDisks) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/true));

  const std::string version_raw = Path("version.raw");
  Ok(VersionDownload(version_raw, "raw"));
  EXPECT_EQ(fs::file_size(version_raw), kDiskBytes);
  ExpectSameDisk(os_raw_, version_raw, "raw");

  const std::string version_data = Path("version-data.raw");
  std::vector<std::string> data_lun = VersionDownload(version_data, "raw");
  data_lun.insert(data_lun.end(), {"--lun", "0"});
  Ok(data_lun);
  ExpectSameDisk(data_raw_, version_data, "raw");

  const std::string image_raw = Path("image.raw");
  Ok(ImageDownload(image_raw, "raw"));
  ExpectSameDisk(os_raw_, image_raw, "raw");

  // The VHD form is a valid fixed VHD of the same disk.
  const std::string image_vhd = Path("image.vhd");
  Ok(ImageDownload(image_vhd, "vhd"));
  EXPECT_EQ(fs::file_size(image_vhd), kDiskBytes + 512);
  ExpectSameDisk(os_raw_, image_vhd, "vpc");
  std::vector<std::string> data_vhd = ImageDownload(Path("image-data.vhd"), "vhd");
  data_vhd.insert(data_vhd.end(), {"--lun", "0"});
  Ok(data_vhd);
  ExpectSameDisk(data_raw_, Path("image-data.vhd"), "vpc");
}

TEST_F(ExportTest, ImageAndVersionDownloadsAreTheUploadedFixedVhdByteForByte) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/true));
  // The qemu-img VHDs as uploaded (footer creator "qem2", its geometry, timestamp and id).
  const std::string os_vhd = Path("os1.vhd");
  const std::string data_vhd = Path("data1.vhd");
  struct Case {
    std::vector<std::string> args;
    std::string source;
  };
  std::vector<Case> cases = {{ImageDownload(Path("img-os.vhd"), "vhd"), os_vhd},
                             {VersionDownload(Path("ver-os.vhd"), "vhd"), os_vhd}};
  cases.push_back({ImageDownload(Path("img-data.vhd"), "vhd"), data_vhd});
  cases.back().args.insert(cases.back().args.end(), {"--lun", "0"});
  cases.push_back({VersionDownload(Path("ver-data.vhd"), "vhd"), data_vhd});
  cases.back().args.insert(cases.back().args.end(), {"--lun", "0"});
  for (const Case& c : cases) {
    Ok(c.args);
    const std::string& out =
        c.args[std::find(c.args.begin(), c.args.end(), "-o") - c.args.begin() + 1];
    CommandResult cmp = RunCommand({"/usr/bin/cmp", c.source, out});
    EXPECT_EQ(cmp.exit_code, 0) << out << ": " << cmp.out << cmp.err;
    EXPECT_EQ(Slice(out, kDiskBytes, 512), Slice(c.source, kDiskBytes, 512)) << out;
  }
}

// An image made from a VHD in the storage-account endpoint keeps that VHD's footer: a fixed
// VHD downloads byte for byte; a dynamic one as the fixed VHD it stands for, with its own
// creator, geometry and unique id.
TEST_F(ExportTest, AnImageFromABlobDownloadsAsTheBlobsVhd) {
  for (const std::string subformat : {"fixed", "dynamic"}) {
    SCOPED_TRACE(subformat);
    const std::string vhd = Path(subformat + ".vhd");
    CommandResult made = RunCommand({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                                     "subformat=" + subformat + ",force_size=on", os_raw_, vhd});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    CommandResult uploaded = Gallery({"storage", "blob", "upload", vhd, "--account", "acct",
                                      "--container", "vhds", "-n", subformat + ".vhd"});
    ASSERT_EQ(uploaded.exit_code, 0) << uploaded.err;
    const std::string url = json::parse(uploaded.out, nullptr, false).value("url", "");
    json image = Ok({"image", "create", "-g", "rg1", "-n", "img-" + subformat, "--os-type", "Linux",
                     "--source", url});
    ASSERT_EQ(image["properties"]["provisioningState"], "Succeeded") << image.dump();
    const std::string out = Path("img-" + subformat + "-out.vhd");
    Ok({"image", "download", "-g", "rg1", "-n", "img-" + subformat, "-o", out, "--format", "vhd"});
    ExpectSameDisk(os_raw_, out, "vpc");
    const std::string source_footer = Slice(vhd, fs::file_size(vhd) - 512, 512);
    const std::string footer = Slice(out, kDiskBytes, 512);
    if (subformat == "fixed") {
      CommandResult cmp = RunCommand({"/usr/bin/cmp", vhd, out});
      EXPECT_EQ(cmp.exit_code, 0) << cmp.out << cmp.err;
    } else {
      EXPECT_EQ(footer.substr(28, 4), source_footer.substr(28, 4)) << "creator application";
      EXPECT_EQ(footer.substr(56, 4), source_footer.substr(56, 4)) << "disk geometry";
      EXPECT_EQ(footer.substr(68, 16), source_footer.substr(68, 16)) << "unique id";
      EXPECT_EQ(footer.substr(60, 4), std::string("\0\0\0\x02", 4)) << "disk type: fixed";
      EXPECT_EQ(footer.substr(16, 8), std::string(8, '\xff')) << "data offset of a fixed disk";
    }
  }
}

TEST_F(ExportTest, AnUnknownLunOrAMissingVersionFailsTheDownload) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  std::vector<std::string> lun = VersionDownload(Path("x.raw"), "raw");
  lun.insert(lun.end(), {"--lun", "2"});
  CommandResult r = Gallery(lun);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "(InvalidParameter)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "no data disk with lun 2")) << r.err;

  std::vector<std::string> missing = VersionDownload(Path("y.raw"), "raw");
  missing[10] = "9.9.9";
  r = Gallery(missing);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(Contains(r.err, "(ResourceNotFound)")) << r.err;
}

TEST_F(ExportTest, ACorruptedChunkFailsTheDownloadInsteadOfReturningWrongBytes) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  // The chunk of the disk's first 128 KiB (random data, stored uncompressed), damaged in place.
  const std::string first = Slice(os_raw_, 0, kChunkBytes);
  const storage::ChunkDigest digest = storage::DigestOf(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(first.data()), first.size()));
  const std::optional<storage::StoredChunk> chunk =
      storage::FindStoredChunk(dir_.path() / "data" / "stores" / kSouthCentral, digest);
  ASSERT_TRUE(chunk.has_value()) << storage::ToHex(digest);
  ASSERT_EQ(chunk->length, kChunkBytes);
  ASSERT_TRUE(storage::FlipStoredByte(*chunk, chunk->length - 100));
  ASSERT_TRUE(storage::FlipStoredByte(*chunk, chunk->length - 99));

  CommandResult r = Gallery(VersionDownload(Path("version.raw"), "raw"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "(DataLoss)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "failed verification")) << r.err;
  r = Gallery(ImageDownload(Path("image.raw"), "raw"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "(DataLoss)")) << r.err;

  // Over the URL: the damaged range is a 500 storage error; an intact one still reads.
  const std::string url = GrantVersion();
  HttpResult damaged = Get(url, "bytes=0-1048575");
  ExpectStorageError(damaged, 500, "DataLoss");
  EXPECT_TRUE(Contains(damaged.body, "failed verification")) << damaged.body;
  // The server's files are its own: no path reaches a holder of the URL.
  EXPECT_FALSE(Contains(damaged.body, dir_.path().string())) << damaged.body;
  EXPECT_FALSE(Contains(damaged.body, "/chunks/")) << damaged.body;
  EXPECT_FALSE(Contains(damaged.body, "/packs/")) << damaged.body;
  EXPECT_FALSE(Contains(damaged.body, ".pack")) << damaged.body;
  HttpResult intact = Get(url, "bytes=5242880-6291455");
  ASSERT_EQ(intact.status, 206) << intact.body;
  EXPECT_TRUE(intact.body == Slice(os_raw_, 5 * kMiB, kMiB));
}

TEST_F(ExportTest, AGrantServesTheVersionUntilRevokedOrExpired) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  const std::string url = GrantVersion();
  ASSERT_TRUE(Contains(url, server_->endpoint() + "/exports/")) << url;
  HttpResult part = Get(url, "bytes=1048000-1049999");
  ASSERT_EQ(part.status, 206) << part.body;
  EXPECT_TRUE(part.body == Slice(os_raw_, 1048000, 2000));
  HttpResult footer = Get(url, "bytes=-512");
  ASSERT_EQ(footer.status, 206);
  EXPECT_EQ(footer.body.substr(0, 8), "conectix");

  // A second grant, then endGetAccess revokes both.
  const std::string second = GrantVersion();
  auto [status, result] = Finish(Call("POST", Q(VerPath("1.0.0") + "/endGetAccess", kVersionApi)));
  EXPECT_EQ(result.status, 200) << result.body;
  ExpectStorageError(Get(url, "bytes=0-511"), 403, "AuthenticationFailed");
  ExpectStorageError(Get(second, "bytes=0-511"), 403, "AuthenticationFailed");

  // A tampered URL and an expired grant are refused the same way.
  const std::string third = GrantVersion(1);
  std::string tampered = third;
  tampered.replace(tampered.find("&sp=r"), 5, "&sp=w");
  ExpectStorageError(Get(tampered, "bytes=0-511"), 403, "AuthenticationFailed");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ExpectStorageError(Get(third, "bytes=0-511"), 403, "AuthenticationFailed");

  // Deleting the version ends what its grants serve.
  const std::string fourth = GrantVersion();
  Ok({"sig", "image-version", "delete", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e", "1.0.0"});
  ExpectStorageError(Get(fourth, "bytes=0-511"), 404, "BlobNotFound");
}

// The si of a signed URL: its grant's id.
std::string GrantIdOf(const std::string& url) {
  const size_t at = url.find("&si=");
  return at == std::string::npos ? "" : url.substr(at + 4, url.find('&', at + 4) - at - 4);
}

TEST_F(ExportTest, EndingOneGrantLeavesOtherReadersTheirsAndRevokeWithoutBodyEndsAll) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  const std::string first = GrantVersion();
  const std::string second = GrantVersion();
  ASSERT_NE(GrantIdOf(second), "");
  const std::string end = Q(VerPath("1.0.0") + "/endGetAccess", kVersionApi);
  auto [status, result] = Finish(Call("POST", end, {{"grantId", GrantIdOf(second)}}));
  EXPECT_EQ(result.status, 200) << result.body;
  ExpectStorageError(Get(second, "bytes=0-511"), 403, "AuthenticationFailed");
  HttpResult still = Get(first, "bytes=5242880-6291455");
  ASSERT_EQ(still.status, 206) << still.body;
  EXPECT_TRUE(still.body == Slice(os_raw_, 5 * kMiB, kMiB));

  // az sig image-version revoke-access: no body, every grant ends.
  const std::string third = GrantVersion();
  Finish(Call("POST", end));
  ExpectStorageError(Get(first, "bytes=0-511"), 403, "AuthenticationFailed");
  ExpectStorageError(Get(third, "bytes=0-511"), 403, "AuthenticationFailed");

  HttpResult empty = Call("POST", end, {{"grantId", ""}});
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_EQ(Body(empty)["error"]["target"], "grantId") << empty.body;
}

TEST_F(ExportTest, ConcurrentDownloadsOfOneResourceAllSucceedByteExact) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  // Each resource read by two downloads at once, one piece at a time so that they overlap:
  // each ends only its own grant when done.
  struct Download {
    std::vector<std::string> args;
    std::string out;
    CommandResult result;
  };
  std::vector<Download> downloads;
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    downloads.push_back({VersionDownload(Path("v" + n + ".vhd"), "vhd"), Path("v" + n + ".vhd")});
    downloads.push_back({ImageDownload(Path("i" + n + ".vhd"), "vhd"), Path("i" + n + ".vhd")});
    downloads.push_back(
        {{"disk", "download", "-g", "rg1", "-n", "os1", "-o", Path("d" + n + ".vhd")},
         Path("d" + n + ".vhd")});
  }
  std::vector<std::thread> threads;
  for (Download& d : downloads) {
    d.args.insert(d.args.end(), {"--threads", "1"});
    threads.emplace_back([this, &d] { d.result = Gallery(d.args); });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (const Download& d : downloads) {
    EXPECT_EQ(d.result.exit_code, 0) << DescribeCommand(d.args, d.result);
    ExpectSameDisk(os_raw_, d.out, "vpc");
  }
  // The disk's readers are all done: it is back to Unattached.
  EXPECT_EQ(Ok({"disk", "show", "-g", "rg1", "-n", "os1"})["properties"]["diskState"],
            "Unattached");
}

TEST_F(ExportTest, ADiskStaysActiveSasUntilItsLastReadGrantEnds) {
  const std::string disk = UploadDisk(os_raw_, "os1");
  const std::string begin = Q(disk + "/beginGetAccess", "2022-07-02");
  const std::string end = Q(disk + "/endGetAccess", "2022-07-02");
  auto grant = [&] {
    auto [status, result] = Finish(Call("POST", begin, {{"access", "Read"}}));
    return Body(result).value("accessSAS", "");
  };
  auto state = [&] {
    return Body(Call("GET", Q(disk, "2022-07-02")))["properties"].value("diskState", "");
  };
  const std::string first = grant();
  const std::string second = grant();
  EXPECT_EQ(state(), "ActiveSAS");
  Finish(Call("POST", end, {{"grantId", GrantIdOf(first)}}));
  EXPECT_EQ(state(), "ActiveSAS");
  ExpectStorageError(Get(first, "bytes=0-511"), 403, "AuthenticationFailed");
  HttpResult still = Get(second, "bytes=0-1048575");
  ASSERT_EQ(still.status, 206) << still.body;
  EXPECT_TRUE(still.body == Slice(os_raw_, 0, kMiB));
  Finish(Call("POST", end, {{"grantId", GrantIdOf(second)}}));
  EXPECT_EQ(state(), "Unattached");

  // az disk revoke-access: no body, every grant ends.
  const std::string third = grant();
  const std::string fourth = grant();
  Finish(Call("POST", end));
  EXPECT_EQ(state(), "Unattached");
  ExpectStorageError(Get(third, "bytes=0-511"), 403, "AuthenticationFailed");
  ExpectStorageError(Get(fourth, "bytes=0-511"), 403, "AuthenticationFailed");
}

// Get Page Ranges on a Read grant of a version and of an image (azcopy asks it to skip what
// holds no data): the MiB steps holding data (the random runs at 0, 5-6, 13 and 23 MiB), then
// the footer page, within x-ms-range when given.
TEST_F(ExportTest, ReadGrantsListThePagesHoldingDataWithinTheRangeAsked) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  auto image_grant = [&] {
    auto [status, result] = Finish(Call("POST", Q(ImagePath("img1") + "/beginGetAccess", kImageApi),
                                        {{"access", "Read"}, {"durationInSeconds", 3600}}));
    return Body(result).value("accessSAS", "");
  };
  const std::vector<std::pair<uint64_t, uint64_t>> expected = {{0, kMiB - 1},
                                                               {5 * kMiB, 7 * kMiB - 1},
                                                               {13 * kMiB, 14 * kMiB - 1},
                                                               {23 * kMiB, kDiskBytes - 1},
                                                               {kDiskBytes, kDiskBytes + 511}};
  for (const std::string& url : {GrantVersion(), image_grant()}) {
    ASSERT_TRUE(Contains(url, "/exports/")) << url;
    auto list = [&](const std::string& range) {
      HttpCall call{"GET", url + "&comp=pagelist", {}, ""};
      if (!range.empty()) {
        call.headers.push_back({"x-ms-range", range});
      }
      Result<HttpResult> r = client_->Send(call);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) {
        return HttpResult{};
      }
      return *r;
    };
    HttpResult whole = list("");
    EXPECT_EQ(whole.status, 200) << whole.body;
    EXPECT_EQ(whole.Header("x-ms-blob-content-length").value_or(""),
              std::to_string(kDiskBytes + 512));
    EXPECT_TRUE(Contains(whole.body, PageListOf(expected))) << whole.body;
    HttpResult part = list("bytes=" + std::to_string(5 * kMiB + kMiB / 2) + "-" +
                           std::to_string(13 * kMiB + 511));
    EXPECT_EQ(part.status, 200) << part.body;
    EXPECT_TRUE(Contains(
        part.body, PageListOf({{5 * kMiB + kMiB / 2, 7 * kMiB - 1}, {13 * kMiB, 13 * kMiB + 511}})))
        << part.body;
    HttpResult none = list("bytes=" + std::to_string(8 * kMiB) + "-" + std::to_string(12 * kMiB));
    EXPECT_EQ(none.status, 416) << none.body;  // B + 1 off a 512-byte boundary
    EXPECT_EQ(none.Header("x-ms-error-code").value_or(""), "InvalidPageRange") << none.body;
    HttpResult empty =
        list("bytes=" + std::to_string(8 * kMiB) + "-" + std::to_string(12 * kMiB - 1));
    EXPECT_EQ(empty.status, 200) << empty.body;
    EXPECT_TRUE(Contains(empty.body, "<PageList></PageList>")) << empty.body;
    // Read grants still write nothing.
    HttpCall write{"PUT",
                   url + "&comp=page",
                   {{"x-ms-page-write", "update"}, {"x-ms-range", "bytes=0-511"}},
                   std::string(512, 'x')};
    Result<HttpResult> refused = client_->Send(write);
    ASSERT_TRUE(refused.ok()) << refused.status().ToString();
    ExpectStorageError(*refused, 403, "AuthorizationPermissionMismatch");
    EXPECT_TRUE(Contains(refused->body, "needs a Write grant")) << refused->body;
  }
  // The bytes are unchanged.
  HttpResult first = Get(GrantVersion(), "bytes=0-1048575");
  ASSERT_EQ(first.status, 206) << first.body;
  EXPECT_TRUE(first.body == Slice(os_raw_, 0, kMiB));
}

TEST_F(ExportTest, OnlyReadGrantsAreGiven) {
  ASSERT_NO_FATAL_FAILURE(PublishVersion(/*with_data=*/false));
  HttpResult write = Call("POST", Q(ImagePath("img1") + "/beginGetAccess", kImageApi),
                          {{"access", "Write"}, {"durationInSeconds", 60}});
  EXPECT_EQ(write.status, 400) << write.body;
  EXPECT_EQ(Body(write)["error"]["code"], "InvalidParameter") << write.body;
  EXPECT_EQ(Body(write)["error"]["target"], "grantAccessData.access") << write.body;
  HttpResult missing =
      Call("POST", Q(ImagePath("nope") + "/beginGetAccess", kImageApi), {{"access", "Read"}});
  EXPECT_EQ(missing.status, 404) << missing.body;
  HttpResult get = Call("GET", Q(ImagePath("img1") + "/beginGetAccess", kImageApi));
  EXPECT_EQ(get.status, 405) << get.body;
}

}  // namespace
}  // namespace gallery::testing
