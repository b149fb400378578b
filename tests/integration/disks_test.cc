// Managed disks over real HTTPS: create for upload, a Write grant, parallel out-of-order page
// writes of qemu-img-made fixed and dynamic VHDs, the page list, the seal, a Read grant with
// ranged and whole downloads, every data-plane refusal, a malformed VHD, and kill -9 mid-upload.

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "arm_test_fixture.h"
#include "client/page_blob_client.h"
#include "page_list.h"
#include "storage/stored_chunk_test_util.h"

namespace gallery::testing {
namespace {

namespace fs = std::filesystem;
constexpr char kDiskApi[] = "2022-07-02";
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kRawBytes = 24 * kMiB;
constexpr uint64_t kPiece = 4 * kMiB;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// Pseudo-random data in a few places, zeros elsewhere.
std::string RawDisk(uint32_t seed) {
  std::string raw(kRawBytes, '\0');
  uint32_t x = seed;
  auto fill = [&](uint64_t from, uint64_t len) {
    for (uint64_t i = from; i < from + len; ++i) {
      x = x * 1664525u + 1013904223u;
      raw[i] = static_cast<char>(x >> 24);
    }
  };
  fill(0, 3 * kMiB);
  fill(9 * kMiB + 4096, 70000);
  fill(kRawBytes - 5 * kMiB, 5 * kMiB);
  return raw;
}

// The blob an upload client writes for a VHD file: its bytes at their offsets, and for a
// dynamic VHD (whose file is not n MiB + 512) the footer again at the end of a blob rounded up.
std::string UploadBlob(const std::string& vhd) {
  if ((vhd.size() - 512) % kMiB == 0) {
    return vhd;
  }
  // At least the smallest upload Azure accepts (20 MiB + 512).
  const uint64_t length = std::max<uint64_t>((vhd.size() + kMiB - 1) / kMiB, 20) * kMiB + 512;
  std::string blob(length, '\0');
  std::copy(vhd.begin(), vhd.end(), blob.begin());
  std::copy(vhd.end() - 512, vhd.end(), blob.end() - 512);
  return blob;
}

class DisksTest : public ArmFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    ASSERT_NO_FATAL_FAILURE(CreateGroup("rg1"));
  }

  std::string DiskPath(const std::string& d) const { return Compute("rg1") + "/disks/" + d; }

  // Makes raw, fixed and dynamic images with qemu-img.
  void MakeImages(uint32_t seed) {
    const fs::path dir = dir_.path();
    WriteAll(dir / "raw.img", RawDisk(seed));
    for (const char* sub : {"fixed", "dynamic"}) {
      CommandResult r =
          RunCommand({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                      std::string("subformat=") + sub + ",force_size=on",
                      (dir / "raw.img").string(), (dir / (std::string(sub) + ".vhd")).string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  void CreateDisk(const std::string& name, uint64_t upload_size) {
    HttpResult r = Call(
        "PUT", Q(DiskPath(name), kDiskApi),
        {{"location", "westus"},
         {"tags", json::object()},
         {"sku", {{"name", "Standard_LRS"}}},
         {"properties",
          {{"hyperVGeneration", "V1"},
           {"creationData", {{"createOption", "Upload"}, {"uploadSizeBytes", upload_size}}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Body(r)["properties"]["diskState"], "ReadyToUpload");
  }

  // Follows a disk action's 202 to its end; returns the operation status body and the final
  // answer of its Location.
  std::pair<json, HttpResult> Finish(const HttpResult& accepted) {
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    const std::string status_url = accepted.Header("Azure-AsyncOperation").value_or("");
    const std::string location = accepted.Header("Location").value_or("");
    json status;
    for (int i = 0; i < 600; ++i) {
      status = Body(Call("GET", status_url));
      if (status.value("status", "") != "InProgress") {
        break;
      }
      // A running seal tells how far it is.
      EXPECT_TRUE(status.contains("percentComplete")) << status.dump();
      in_progress_percents_.push_back(status.value("percentComplete", -1));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {status, Call("GET", location)};
  }
  // The percentComplete of each InProgress status Finish saw in this test.
  std::vector<int> in_progress_percents_;
  int answered_at_once_ = 0;  // endGetAccess calls answered 200

  std::string Grant(const std::string& name, const std::string& access, int seconds = 3600) {
    auto [status, result] = Finish(Call("POST", Q(DiskPath(name) + "/beginGetAccess", kDiskApi),
                                        {{"access", access}, {"durationInSeconds", seconds}}));
    EXPECT_EQ(status["status"], "Succeeded") << status.dump();
    EXPECT_EQ(result.status, 200) << result.body;
    const std::string url = Body(result).value("accessSAS", "");
    EXPECT_EQ(status["properties"]["output"]["accessSAS"], url);
    return url;
  }

  // endGetAccess; a seal that ended within galleryd's answer wait is a 200 with nothing to
  // poll (the status is then Succeeded and the result that 200).
  std::pair<json, HttpResult> Revoke(const std::string& name) {
    HttpResult answer = Call("POST", Q(DiskPath(name) + "/endGetAccess", kDiskApi));
    if (answer.status == 200) {
      EXPECT_FALSE(answer.Header("Azure-AsyncOperation").has_value());
      ++answered_at_once_;
      return {json{{"status", "Succeeded"}}, answer};
    }
    return Finish(answer);
  }

  HttpResult PutPage(HttpTransport& client, const std::string& url, uint64_t offset,
                     const std::string& bytes, const std::string& mode = "update") {
    HttpCall call{"PUT", url + "&comp=page", {}, bytes};
    call.headers = {
        {"x-ms-page-write", mode},
        {"x-ms-range", "bytes=" + std::to_string(offset) + "-" +
                           std::to_string(offset + std::max<uint64_t>(bytes.size(), 512) - 1)}};
    Result<HttpResult> r = client.Send(call);
    return r.ok() ? *r : HttpResult{0, {}, r.status().ToString()};
  }

  // Writes the non-zero 4 MiB pieces of `blob`, last first, from four threads.
  void UploadParallel(const std::string& url, const std::string& blob) {
    std::vector<uint64_t> offsets;
    for (uint64_t off = 0; off < blob.size(); off += kPiece) {
      const std::string piece = blob.substr(off, kPiece);
      if (piece.find_first_not_of('\0') != std::string::npos) {
        offsets.push_back(off);
      }
    }
    std::reverse(offsets.begin(), offsets.end());
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        auto client = server_->Client();
        for (size_t i = next++; i < offsets.size(); i = next++) {
          HttpResult r = PutPage(*client, url, offsets[i], blob.substr(offsets[i], kPiece));
          if (r.status != 201) {
            std::lock_guard<std::mutex> lock(mu);
            failures.push_back(std::to_string(offsets[i]) + ": " + std::to_string(r.status) + " " +
                               r.body);
          }
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    EXPECT_TRUE(failures.empty()) << failures.front();
  }

  HttpResult Get(const std::string& url, const std::string& range = "",
                 const std::string& method = "GET") {
    HttpCall call{method, url, {}, ""};
    if (!range.empty()) {
      call.headers.push_back({"Range", range});
    }
    Result<HttpResult> r = client_->Send(call);
    return r.ok() ? *r : HttpResult{0, {}, r.status().ToString()};
  }

  static void ExpectStorageError(const HttpResult& r, int status, const std::string& code,
                                 const std::string& message_part = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("x-ms-error-code").value_or(""), code) << r.body;
    EXPECT_NE(r.body.find("<Error><Code>" + code + "</Code><Message>"), std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find(message_part), std::string::npos) << r.body;
  }

  // Chunks committed to westus's store (an upload's staged chunks are not).
  uint64_t StoredChunks() const {
    return storage::StoredChunks(dir_.path() / "data" / "stores" / "westus").size();
  }

  // Uploads `vhd`, seals it and checks the disk; returns a Read URL.
  std::string UploadAndSeal(const std::string& name, const std::string& vhd) {
    const std::string blob = UploadBlob(vhd);
    CreateDisk(name, blob.size());
    const std::string url = Grant(name, "Write");
    EXPECT_NE(url.find(server_->endpoint() + "/disks/"), std::string::npos) << url;
    EXPECT_NE(url.find("sp=w"), std::string::npos) << url;
    UploadParallel(url, blob);
    HttpResult list = Get(url + "&comp=pagelist");
    EXPECT_EQ(list.status, 200) << list.body;
    EXPECT_NE(list.body.find("<PageList><PageRange><Start>0</Start>"), std::string::npos)
        << list.body;
    json disk = Body(Call("GET", Q(DiskPath(name), kDiskApi)));
    EXPECT_EQ(disk["properties"]["diskState"], "ActiveUpload");
    auto [status, result] = Revoke(name);
    EXPECT_EQ(status["status"], "Succeeded") << status.dump();
    EXPECT_EQ(result.status, 200);
    disk = Body(Call("GET", Q(DiskPath(name), kDiskApi)));
    EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
    EXPECT_EQ(disk["properties"]["diskSizeBytes"], kRawBytes);
    EXPECT_EQ(disk["properties"]["diskSizeGB"], 1);
    EXPECT_EQ(disk["properties"]["creationData"]["uploadSizeBytes"], blob.size());
    EXPECT_EQ(disk["sku"]["name"], "Standard_LRS");
    // The old Write URL died with its grant.
    ExpectStorageError(PutPage(*client_, url, 0, std::string(512, 'x')), 403,
                       "AuthenticationFailed", "revoked");
    return Grant(name, "Read");
  }

  // Ranged and whole downloads equal `expected`.
  void ExpectDownload(const std::string& url, const std::string& expected) {
    HttpResult head = Get(url, "", "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.Header("Content-Length").value_or(""), std::to_string(expected.size()));
    HttpResult whole = Get(url);
    ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 300);
    EXPECT_EQ(whole.body.size(), expected.size());
    EXPECT_TRUE(whole.body == expected) << "the whole download differs";
    const uint64_t n = expected.size();
    for (auto [first, last] :
         std::vector<std::pair<uint64_t, uint64_t>>{{0, 511},
                                                    {kMiB - 100, 2 * kMiB + 99},
                                                    {9 * kMiB, 9 * kMiB + 80000},
                                                    {n - 512, n - 1},
                                                    {n - 4 * kMiB - 3, n - 1}}) {
      HttpResult part = Get(url, "bytes=" + std::to_string(first) + "-" + std::to_string(last));
      ASSERT_EQ(part.status, 206) << part.body;
      EXPECT_EQ(
          part.Header("Content-Range").value_or(""),
          "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(n));
      EXPECT_TRUE(part.body == expected.substr(first, last - first + 1)) << first << "-" << last;
    }
    HttpResult tail = Get(url, "bytes=-512");
    EXPECT_EQ(tail.status, 206);
    EXPECT_TRUE(tail.body == expected.substr(n - 512));
    ExpectStorageError(Get(url, "bytes=" + std::to_string(n) + "-"), 416, "InvalidRange");
  }
};

TEST_F(DisksTest, FixedVhdUploadSealsAndDownloadsByteForByte) {
  // A wait long enough for any seal of this small disk: endGetAccess answers 200 when sealed.
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"disks": {"sealAnswerWaitMs": 10000}})"));  // keeps rg1
  ASSERT_NO_FATAL_FAILURE(MakeImages(7));
  const std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  ASSERT_EQ(fixed.size(), kRawBytes + 512);
  const std::string url = UploadAndSeal("fixed1", fixed);
  ASSERT_FALSE(url.empty());
  EXPECT_EQ(answered_at_once_, 1);
  EXPECT_NE(url.find("sp=r"), std::string::npos);
  ExpectDownload(url, fixed);
  json disk = Body(Call("GET", Q(DiskPath("fixed1"), kDiskApi)));
  EXPECT_EQ(disk["properties"]["diskState"], "ActiveSAS");
  // Deleting needs the grant revoked first.
  HttpResult refused = Call("DELETE", Q(DiskPath("fixed1"), kDiskApi));
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Body(refused)["error"]["code"], "OperationNotAllowed");
  auto [status, result] = Revoke("fixed1");
  EXPECT_EQ(status["status"], "Succeeded");
  EXPECT_EQ(Body(Call("GET", Q(DiskPath("fixed1"), kDiskApi)))["properties"]["diskState"],
            "Unattached");
  ExpectStorageError(Get(url, "bytes=0-511"), 403, "AuthenticationFailed");
  EXPECT_EQ(Call("DELETE", Q(DiskPath("fixed1"), kDiskApi)).status, 200);
  EXPECT_EQ(Call("GET", Q(DiskPath("fixed1"), kDiskApi)).status, 404);
  EXPECT_EQ(Call("DELETE", Q(DiskPath("fixed1"), kDiskApi)).status, 204);
}

// Get Page Ranges lists the 512-byte pages written and not cleared, within x-ms-range (or
// Range) when given, with a Write grant during the upload and a Read grant once sealed.
TEST_F(DisksTest, PageListsNameThePagesWrittenWithinTheRangeAsked) {
  CreateDisk("pl", 20 * kMiB + 512);
  const std::string url = Grant("pl", "Write");
  ASSERT_FALSE(url.empty());
  auto list = [&](const std::string& range = "") {
    HttpResult r = Get(url + "&comp=pagelist", range);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.substr(std::min(r.body.find("<PageList>"), r.body.size()));
  };
  EXPECT_EQ(PutPage(*client_, url, 0, std::string(512, 'a')).status, 201);
  EXPECT_EQ(list(), PageListOf({{0, 511}}));
  EXPECT_EQ(PutPage(*client_, url, 0, std::string(kPiece, 'b')).status, 201);
  HttpCall clear{"PUT",
                 url + "&comp=page",
                 {{"x-ms-page-write", "clear"}, {"x-ms-range", "bytes=299520-401919"}},
                 ""};
  EXPECT_EQ(client_->Send(clear)->status, 201);
  EXPECT_EQ(list(), PageListOf({{0, 299519}, {401920, kPiece - 1}}));
  EXPECT_EQ(list("bytes=4096-299519"), PageListOf({{4096, 299519}}));
  EXPECT_EQ(list("bytes=300032-401919"), PageListOf({}));
  EXPECT_EQ(list("bytes=401920-"), PageListOf({{401920, kPiece - 1}}));
  // A clear is not limited to 4 MiB: here all of the blob but its first page.
  HttpCall clear_all{"PUT",
                     url + "&comp=page",
                     {{"x-ms-page-write", "clear"},
                      {"x-ms-range", "bytes=512-" + std::to_string(20 * kMiB + 511)}},
                     ""};
  HttpResult cleared = *client_->Send(clear_all);
  EXPECT_EQ(cleared.status, 201) << cleared.body;
  EXPECT_EQ(list(), PageListOf({{0, 511}}));
  ExpectStorageError(Get(url + "&comp=pagelist", "bytes=100-611"), 416, "InvalidPageRange",
                     "512-byte boundaries");
  ExpectStorageError(Get(url + "&comp=pagelist", "bytes=-512"), 400, "InvalidHeaderValue",
                     "bytes=-512");
  ExpectStorageError(Get(url + "&comp=pagelist", "bytes=" + std::to_string(21 * kMiB) + "-"), 416,
                     "InvalidPageRange", std::to_string(20 * kMiB + 512));
}

// An upload whose written pages would split into more ranges than disks.maxPageRanges (here 3)
// is refused the write or clear that would do it: 409 TooManyPageRanges, a storage XML error,
// and nothing written; writes that join ranges go on, and the disk seals as the bytes accepted.
TEST_F(DisksTest, AWriteThatWouldSplitThePageListPastItsBoundIsA409AndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"disks": {"maxPageRanges": 3}})"));
  const std::string vhd = SmallFixedVhd();
  const uint64_t size = vhd.size();
  CreateDisk("tm", size);
  const std::string url = Grant("tm", "Write");
  ASSERT_FALSE(url.empty());
  EXPECT_EQ(PutPage(*client_, url, 0, vhd.substr(0, kPiece)).status, 201);
  EXPECT_EQ(PutPage(*client_, url, size - 512, vhd.substr(size - 512)).status, 201);
  EXPECT_EQ(PutPage(*client_, url, 8 * kMiB, std::string(512, 'x')).status, 201);
  const std::string three =
      PageListOf({{0, kPiece - 1}, {8 * kMiB, 8 * kMiB + 511}, {size - 512, size - 1}});
  ExpectStorageError(PutPage(*client_, url, 12 * kMiB, std::string(512, 'y')), 409,
                     "TooManyPageRanges",
                     "Writing these pages would leave the blob's written pages in 4 separate "
                     "ranges; a blob may have at most 3 here, so nothing was changed. Write the "
                     "blob in larger contiguous pieces, or write the pages between the ranges "
                     "already written (zeros count as written) so that they join.");
  ExpectStorageError(PutPage(*client_, url, 4096, "", "clear"), 409, "TooManyPageRanges",
                     "Clearing these pages would leave");
  HttpResult list = Get(url + "&comp=pagelist");
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find(three), std::string::npos) << list.body;
  // Clearing the odd page frees its range; a write joining the first range is allowed.
  EXPECT_EQ(PutPage(*client_, url, 8 * kMiB, "", "clear").status, 201);
  EXPECT_EQ(PutPage(*client_, url, kPiece, vhd.substr(kPiece, kPiece)).status, 201);
  auto [status, result] = Revoke("tm");
  EXPECT_EQ(status["status"], "Succeeded") << status.dump();
  // The refused write and clear changed no byte: the disk is the VHD.
  HttpResult whole = Get(Grant("tm", "Read"));
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 300);
  EXPECT_TRUE(whole.body == vhd) << "the download differs from the VHD";
}

TEST_F(DisksTest, ASealedDiskListsItsDataAndFooterPagesToAReadGrant) {
  ASSERT_NO_FATAL_FAILURE(MakeImages(11));
  const std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  const std::string url = UploadAndSeal("plr", fixed);
  ASSERT_FALSE(url.empty());
  HttpResult whole = Get(url + "&comp=pagelist");
  EXPECT_EQ(whole.status, 200) << whole.body;
  EXPECT_NE(whole.body.find("<PageRange><Start>" + std::to_string(kRawBytes) + "</Start><End>" +
                            std::to_string(kRawBytes + 511) + "</End></PageRange></PageList>"),
            std::string::npos)
      << whole.body;
  HttpResult footer = Get(url + "&comp=pagelist", "bytes=" + std::to_string(kRawBytes) + "-");
  EXPECT_NE(footer.body.find(PageListOf({{kRawBytes, kRawBytes + 511}})), std::string::npos)
      << footer.body;
}

// A dynamic VHD's file length has nothing to do with its disk size: written as it is to a
// storage-account blob (qemu-img's 24 MiB disk in a file of about 4 MiB), it makes an image.
TEST_F(DisksTest, AnUnpaddedDynamicVhdBlobBecomesAnImage) {
  ASSERT_NO_FATAL_FAILURE(MakeImages(13));
  const std::string dynamic = ReadAll(dir_.path() / "dynamic.vhd");
  ASSERT_NE(dynamic.size() % kMiB, 512u);
  const std::string url = server_->endpoint() + "/blob/acct/vhds/dynamic.vhd";
  PageBlobClient blob(*client_, url);
  ASSERT_TRUE(blob.Create(dynamic.size()).ok());
  for (uint64_t off = 0; off < dynamic.size(); off += kPiece) {
    ASSERT_TRUE(blob.PutPages(off, dynamic.substr(off, kPiece)).ok()) << off;
  }
  json body = ImageBody();
  body["properties"]["storageProfile"]["osDisk"]["blobUri"] = url;
  ASSERT_EQ(Call("PUT", Q(ImagePath("dyn"), kImageApi), body).status, 201);
  json image = WaitSucceeded(ImagePath("dyn"), kImageApi);
  EXPECT_EQ(image["properties"]["provisioningState"], "Succeeded") << image.dump();
}

TEST_F(DisksTest, DynamicVhdUploadDownloadsAsTheFixedConversion) {
  // endGetAccess answers at once (202), so the test sees the seal run.
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"disks": {"sealAnswerWaitMs": 0}})"));  // keeps rg1
  ASSERT_NO_FATAL_FAILURE(MakeImages(11));
  const std::string dynamic = ReadAll(dir_.path() / "dynamic.vhd");
  const std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  const std::string url = UploadAndSeal("dyn1", dynamic);
  ASSERT_FALSE(url.empty());
  // Sealing a dynamic VHD reads all of it: its status was polled while it ran (at once after
  // the 202), and said how far it was.
  EXPECT_FALSE(in_progress_percents_.empty());
  for (int p : in_progress_percents_) {
    EXPECT_GE(p, 0);
    EXPECT_LE(p, 99);
  }
  HttpResult whole = Get(url);
  ASSERT_EQ(whole.status, 200);
  ASSERT_EQ(whole.body.size(), fixed.size());
  EXPECT_TRUE(whole.body.compare(0, kRawBytes, fixed, 0, kRawBytes) == 0);
  const std::string footer = whole.body.substr(kRawBytes);
  EXPECT_EQ(footer.substr(0, 8), "conectix");
  EXPECT_EQ(footer.substr(60, 4), std::string("\0\0\0\2", 4));       // disk type: fixed
  EXPECT_EQ(footer.substr(48, 8), fixed.substr(kRawBytes + 48, 8));  // current size
  HttpResult part = Get(url, "bytes=1000-5000");
  EXPECT_EQ(part.status, 206);
  EXPECT_TRUE(part.body == fixed.substr(1000, 4001));
}

TEST_F(DisksTest, DataPlaneRefusalsHaveStorageErrorShapes) {
  CreateDisk("d1", 20 * kMiB + 512);
  const std::string url = Grant("d1", "Write");
  ASSERT_FALSE(url.empty());
  const std::string page(512, 'a');
  EXPECT_EQ(PutPage(*client_, url, 0, page).status, 201);
  // Signatures: forged, altered, a field changed.
  std::string forged = url;
  const size_t sig = forged.find("sig=") + 4;
  forged[sig] = forged[sig] == 'A' ? 'B' : 'A';
  ExpectStorageError(PutPage(*client_, forged, 0, page), 403, "AuthenticationFailed",
                     "Signature did not match");
  std::string reader = url;
  reader.replace(reader.find("sp=w"), 4, "sp=r");
  ExpectStorageError(Get(reader), 403, "AuthenticationFailed");
  std::string widened = url;
  widened.replace(widened.find("sp=w"), 4, "sp=rw");
  ExpectStorageError(PutPage(*client_, widened, 0, page), 403, "AuthenticationFailed",
                     "Signature did not match: the signed permission sp=rw is not the one this "
                     "URL was signed for");
  std::string unsigned_url = url.substr(0, url.find("&sig="));
  ExpectStorageError(PutPage(*client_, unsigned_url, 0, page), 403, "AuthenticationFailed");
  // A Write URL cannot read.
  ExpectStorageError(Get(url), 403, "AuthorizationPermissionMismatch");
  // Ranges and bodies.
  auto put_range = [&](const std::string& range, const std::string& body,
                       const std::string& mode = "update") {
    HttpCall call{
        "PUT", url + "&comp=page", {{"x-ms-page-write", mode}, {"x-ms-range", range}}, body};
    return *client_->Send(call);
  };
  ExpectStorageError(put_range("bytes=100-611", std::string(512, 'x')), 416, "InvalidPageRange");
  ExpectStorageError(put_range("bytes=0-510", std::string(511, 'x')), 416, "InvalidPageRange");
  ExpectStorageError(
      put_range("bytes=" + std::to_string(20 * kMiB + 512) + "-" + std::to_string(20 * kMiB + 1023),
                std::string(512, 'x')),
      416, "InvalidPageRange");
  ExpectStorageError(
      put_range("bytes=0-" + std::to_string(4 * kMiB + 511), std::string(4 * kMiB + 512, 'x')), 400,
      "InvalidHeaderValue", "4 MiB");
  ExpectStorageError(put_range("pages=0-511", page), 400, "InvalidHeaderValue");
  ExpectStorageError(put_range("bytes=0-1023", page), 400, "InvalidHeaderValue", "512 bytes");
  ExpectStorageError(put_range("bytes=0-511", page, "replace"), 400, "InvalidHeaderValue");
  ExpectStorageError(put_range("bytes=0-511", page, "clear"), 400, "InvalidHeaderValue");
  EXPECT_EQ(put_range("bytes=0-511", "", "clear").status, 201);
  // A later grant replaces this one; an expired grant says when it ended.
  const std::string second = Grant("d1", "Write", 1);
  ExpectStorageError(PutPage(*client_, url, 0, page), 403, "AuthenticationFailed", "revoked");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ExpectStorageError(PutPage(*client_, second, 0, page), 403, "AuthenticationFailed", "expired");
  // A disk that is gone: the URL is genuine, the blob is not there any more.
  const std::string third = Grant("d1", "Write");
  auto [status, result] = Revoke("d1");  // an empty blob is no VHD: the seal fails
  EXPECT_EQ(status["status"], "Failed");
  EXPECT_EQ(Call("DELETE", Q(DiskPath("d1"), kDiskApi)).status, 200);
  ExpectStorageError(PutPage(*client_, third, 0, page), 404, "BlobNotFound");
  // Unknown calls.
  ExpectStorageError(Get(third + "&comp=blocklist"), 400, "InvalidQueryParameterValue");
}

// The storage-account endpoint (the unmanaged-VHD scenario): a refused creation is a 400 that
// creates nothing; the largest page blob Azure allows (8 TiB) is accepted.
TEST_F(DisksTest, StorageBlobCreationRefusalsCreateNothing) {
  const std::string url = server_->endpoint() + "/blob/acct/vhds/refused.vhd";
  auto send = [&](const HttpCall& call) {
    Result<HttpResult> r = client_->Send(call);
    return r.ok() ? *r : HttpResult{0, {}, r.status().ToString()};
  };
  auto create = [&](std::vector<std::pair<std::string, std::string>> headers,
                    const std::string& body = "") {
    return send(HttpCall{"PUT", url, std::move(headers), body});
  };
  auto exists = [&] { return send(HttpCall{"HEAD", url, {}, ""}).status != 404; };
  const std::pair<std::string, std::string> page_blob{"x-ms-blob-type", "PageBlob"};
  ExpectStorageError(create({{"x-ms-blob-content-length", "1024"}}), 400, "MissingRequiredHeader");
  ExpectStorageError(
      create({{"x-ms-blob-type", "BlockBlob"}, {"x-ms-blob-content-length", "1024"}}), 400,
      "InvalidHeaderValue", "BlockBlob");
  for (const std::string length :
       {"", "0", "1000", "-512", "x", "8796093023232", "9223372036854775296"}) {
    ExpectStorageError(create({page_blob, {"x-ms-blob-content-length", length}}), 400,
                       "InvalidHeaderValue", "at most 8 TiB");
    EXPECT_FALSE(exists()) << length;
  }
  ExpectStorageError(create({page_blob, {"x-ms-blob-content-length", "1024"}}, "bytes"), 400,
                     "InvalidHeaderValue", "takes no body");
  EXPECT_FALSE(exists());
  EXPECT_EQ(create({page_blob, {"x-ms-blob-content-length", "8796093022208"}}).status, 201);
  EXPECT_TRUE(exists());
  EXPECT_EQ(send(HttpCall{"DELETE", url, {}, ""}).status, 202);
}

TEST_F(DisksTest, AMalformedVhdFailsTheSealWith400AndKeepsTheUpload) {
  ASSERT_NO_FATAL_FAILURE(MakeImages(3));
  std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  fixed[kRawBytes] = 'X';  // the footer's cookie
  CreateDisk("bad", fixed.size());
  const std::string url = Grant("bad", "Write");
  UploadParallel(url, fixed);
  auto [status, result] = Revoke("bad");
  EXPECT_EQ(status["status"], "Failed") << status.dump();
  EXPECT_EQ(status["error"]["code"], "InvalidVhd");
  EXPECT_NE(status["error"]["message"].get<std::string>().find("cookie"), std::string::npos)
      << status.dump();
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_EQ(Body(result)["error"]["code"], "InvalidVhd");
  json disk = Body(Call("GET", Q(DiskPath("bad"), kDiskApi)));
  EXPECT_EQ(disk["properties"]["diskState"], "ReadyToUpload");
  EXPECT_EQ(StoredChunks(), 0u);
  // The bytes stayed: fix the footer under a new grant and seal.
  const std::string again = Grant("bad", "Write");
  HttpResult list = Get(again + "&comp=pagelist");
  EXPECT_NE(list.body.find("<Start>0</Start>"), std::string::npos) << list.body;
  const std::string good = ReadAll(dir_.path() / "fixed.vhd");
  EXPECT_EQ(PutPage(*client_, again, kRawBytes, good.substr(kRawBytes)).status, 201);
  auto [sealed, sealed_result] = Revoke("bad");
  EXPECT_EQ(sealed["status"], "Succeeded") << sealed.dump();
  EXPECT_GT(StoredChunks(), 0u);
}

TEST_F(DisksTest, AnUploadWhoseFooterPageWasNeverWrittenSaysSo) {
  ASSERT_NO_FATAL_FAILURE(MakeImages(17));
  const std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  CreateDisk("nofooter", fixed.size());
  const std::string url = Grant("nofooter", "Write");
  EXPECT_EQ(PutPage(*client_, url, 0, fixed.substr(0, kPiece)).status, 201);
  auto [status, result] = Revoke("nofooter");
  EXPECT_EQ(status["status"], "Failed") << status.dump();
  EXPECT_EQ(status["error"]["code"], "InvalidVhd");
  EXPECT_NE(status["error"]["message"].get<std::string>().find(
                "The upload is incomplete: its last 512 bytes, the VHD footer at offset " +
                std::to_string(kRawBytes) + " of the " + std::to_string(kRawBytes + 512) +
                "-byte blob, were never written"),
            std::string::npos)
      << status.dump();
}

// A seal that fails on the server's files tells the client which disk and what failed, with
// the OS error, and never the server's paths (they are in its log).
TEST_F(DisksTest, ASealFailingOnTheServersFilesShowsNoPathToTheClient) {
  ASSERT_NO_FATAL_FAILURE(MakeImages(7));
  const std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  CreateDisk("io", fixed.size());
  const std::string url = Grant("io", "Write");
  UploadParallel(url, fixed);
  const std::string unique_id =
      Body(Call("GET", Q(DiskPath("io"), kDiskApi)))["properties"]["uniqueId"];
  server_->Kill();
  // A folder took the upload blob's name: the restarted server cannot open it.
  const fs::path blob = dir_.path() / "data" / "uploads" / (unique_id + ".blob");
  ASSERT_TRUE(fs::remove(blob));
  fs::create_directories(blob / "x");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto [status, result] = Revoke("io");
  EXPECT_EQ(status["status"], "Failed") << status.dump();
  EXPECT_EQ(status["error"]["code"], "InternalError");
  EXPECT_EQ(status["error"]["message"],
            "The seal failed 3 times; the last time: the upload blob of disk 'io': cannot open "
            "its file: Is a directory");
  EXPECT_EQ(status.dump().find(dir_.path().string()), std::string::npos) << status.dump();
  EXPECT_EQ(result.body.find(dir_.path().string()), std::string::npos) << result.body;
}

// If-None-Match: * makes a disk PUT create only: of PUTs of the same new disk at once, exactly
// one creates it, the others are refused 412 PreconditionFailed with an ARM error body. A PUT
// without the header still updates.
TEST_F(DisksTest, ConcurrentCreatesWithIfNoneMatchStarCreateTheDiskExactlyOnce) {
  const json body = {
      {"location", "westus"},
      {"properties",
       {{"creationData", {{"createOption", "Upload"}, {"uploadSizeBytes", 20 * kMiB + 512}}}}}};
  auto put = [&](HttpTransport& client, const std::string& name, HttpHeaders headers,
                 const json& with = nullptr) {
    headers.emplace_back("Content-Type", "application/json");
    HttpCall call{"PUT", Q(DiskPath(name), kDiskApi), std::move(headers),
                  (with.is_null() ? body : with).dump()};
    Result<HttpResult> r = client.Send(call);
    return r.ok() ? *r : HttpResult{0, {}, r.status().ToString()};
  };
  constexpr int kThreads = 4;
  for (int round = 0; round < 3; ++round) {
    const std::string name = "race" + std::to_string(round);
    std::vector<std::unique_ptr<HttpsTransport>> clients;
    for (int t = 0; t < kThreads; ++t) {
      clients.push_back(server_->Client());
    }
    std::vector<HttpResult> results(kThreads);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready < kThreads) {
          std::this_thread::yield();
        }
        results[t] = put(*clients[t], name, {{"If-None-Match", "*"}});
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
    int created = 0;
    for (const HttpResult& r : results) {
      if (r.status == 200) {
        ++created;
        continue;
      }
      EXPECT_EQ(r.status, 412) << r.body;
      EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json; charset=utf-8");
      EXPECT_EQ(Body(r), json({{"error",
                                {{"code", "PreconditionFailed"},
                                 {"message", "The disk '" + name +
                                                 "' already exists, and the request "
                                                 "(If-None-Match: *) creates it only if it does "
                                                 "not. Nothing was changed."}}}}))
          << r.body;
    }
    EXPECT_EQ(created, 1) << "round " << round;
  }
  // Without the header a PUT updates the disk as before; with it, it is refused.
  json tagged = body;
  tagged["tags"] = {{"team", "a"}};
  HttpResult updated = put(*client_, "race0", {}, tagged);
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(Call("GET", Q(DiskPath("race0"), kDiskApi)))["tags"], json({{"team", "a"}}));
  EXPECT_EQ(put(*client_, "race0", {{"If-None-Match", "*"}}).status, 412);
  // If-Match: * updates only an existing disk; disks carry no ETag here, so no other If-Match
  // value can hold.
  EXPECT_EQ(put(*client_, "race0", {{"If-Match", "*"}}, tagged).status, 200);
  HttpResult missing = put(*client_, "nosuch", {{"If-Match", "*"}});
  EXPECT_EQ(missing.status, 412) << missing.body;
  EXPECT_EQ(Body(missing)["error"]["code"], "PreconditionFailed");
  EXPECT_EQ(put(*client_, "race0", {{"If-Match", "\"0x8D\""}}, tagged).status, 412);
  EXPECT_EQ(Call("GET", Q(DiskPath("nosuch"), kDiskApi)).status, 404);
}

TEST_F(DisksTest, AnUploadSurvivesKillNineAndCompletes) {
  ASSERT_NO_FATAL_FAILURE(MakeImages(5));
  const std::string fixed = ReadAll(dir_.path() / "fixed.vhd");
  CreateDisk("k1", fixed.size());
  const std::string url = Grant("k1", "Write");
  EXPECT_EQ(PutPage(*client_, url, 0, fixed.substr(0, kPiece)).status, 201);
  const std::string old_endpoint = server_->endpoint();
  server_->Kill();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string moved = url;
  moved.replace(0, old_endpoint.size(), server_->endpoint());
  HttpResult list = Get(moved + "&comp=pagelist");
  ASSERT_EQ(list.status, 200) << list.body;
  // The first piece survived, listed whole (zero chunks too: they were written); nothing past
  // it is listed.
  EXPECT_NE(list.body.find("<PageRange><Start>0</Start><End>" + std::to_string(kPiece - 1) +
                           "</End></PageRange></PageList>"),
            std::string::npos)
      << list.body;
  const size_t last_end = list.body.rfind("<End>");
  ASSERT_NE(last_end, std::string::npos) << list.body;
  EXPECT_LE(std::stoull(list.body.substr(last_end + 5)), kPiece - 1) << list.body;
  UploadParallel(moved, fixed);
  auto [status, result] = Revoke("k1");
  EXPECT_EQ(status["status"], "Succeeded") << status.dump();
  ExpectDownload(Grant("k1", "Read"), fixed);
}

TEST_F(DisksTest, DiskArmRulesAndLists) {
  HttpResult bad = Call(
      "PUT", Q(DiskPath("e1"), kDiskApi),
      {{"location", "westus"}, {"properties", {{"creationData", {{"createOption", "Empty"}}}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["code"], "InvalidParameter");
  HttpResult size =
      Call("PUT", Q(DiskPath("e1"), kDiskApi),
           {{"location", "westus"},
            {"properties",
             {{"creationData", {{"createOption", "Upload"}, {"uploadSizeBytes", 20 * kMiB}}}}}});
  EXPECT_EQ(size.status, 400);
  EXPECT_NE(Body(size)["error"]["message"].get<std::string>().find("20971520"), std::string::npos);
  EXPECT_EQ(Call("PUT", Q(DiskPath("e1"), "2017-03-30"), json::object()).status, 400);
  CreateDisk("a1", 20 * kMiB + 512);
  HttpResult patched = Call("PATCH", Q(DiskPath("a1"), kDiskApi), {{"tags", {{"k", "v"}}}});
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(patched)["tags"]["k"], "v");
  HttpResult grow =
      Call("PATCH", Q(DiskPath("a1"), kDiskApi),
           {{"properties", {{"creationData", {{"uploadSizeBytes", 40 * kMiB + 512}}}}}});
  EXPECT_EQ(Body(grow)["error"]["code"], "PropertyChangeNotAllowed");
  json in_group = Body(Call("GET", Q(Compute("rg1") + "/disks", kDiskApi)));
  ASSERT_EQ(in_group["value"].size(), 1u);
  EXPECT_EQ(in_group["value"][0]["name"], "a1");
  json in_sub = Body(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/disks", kDiskApi)));
  EXPECT_EQ(in_sub["value"].size(), 1u);
  HttpResult read_early = Call("POST", Q(DiskPath("a1") + "/beginGetAccess", kDiskApi),
                               {{"access", "Read"}, {"durationInSeconds", 60}});
  EXPECT_EQ(read_early.status, 409);
  EXPECT_EQ(Body(read_early)["error"]["code"], "OperationNotAllowed");
}

}  // namespace
}  // namespace gallery::testing
