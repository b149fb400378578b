#include "api/page_blob_protocol.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "access/digest.h"
#include "common/base64.h"
#include "storage/staging_blob.h"

namespace gallery::api {
namespace {

namespace http = boost::beast::http;

constexpr uint64_t kBlobBytes = uint64_t{64} << 20;

HttpRequest PageRequest(std::string range, std::string page_write, std::string body) {
  HttpRequest req{http::verb::put, "/blob?comp=page", 11};
  req.set("x-ms-range", range);
  req.set("x-ms-page-write", page_write);
  req.body() = std::move(body);
  return req;
}

BlobError RefusalOf(const std::variant<PageWrite, BlobError>& parsed) {
  EXPECT_TRUE(std::holds_alternative<BlobError>(parsed));
  return std::holds_alternative<BlobError>(parsed) ? std::get<BlobError>(parsed) : BlobError{};
}

TEST(ParsePageWriteTest, UpdateWithMatchingContentMd5IsAccepted) {
  const std::string body(512, 'a');
  HttpRequest req = PageRequest("bytes=512-1023", "update", body);
  req.set("Content-MD5", Base64Encode(access::Md5(body)));
  auto parsed = ParsePageWrite(req, kBlobBytes);
  ASSERT_TRUE(std::holds_alternative<PageWrite>(parsed));
  EXPECT_EQ(std::get<PageWrite>(parsed).offset, 512u);
}

TEST(ParsePageWriteTest, UpdateWhoseBodyDoesNotMatchContentMd5IsMd5Mismatch) {
  const std::string body(512, 'a');
  HttpRequest req = PageRequest("bytes=512-1023", "update", body);
  req.set("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==");
  const BlobError e = RefusalOf(ParsePageWrite(req, kBlobBytes));
  EXPECT_EQ(e.status, http::status::bad_request);
  EXPECT_EQ(e.code, "Md5Mismatch");
  EXPECT_NE(e.message.find("AAAAAAAAAAAAAAAAAAAAAA=="), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(Base64Encode(access::Md5(body))), std::string::npos) << e.message;
}

TEST(ParsePageWriteTest, MalformedContentMd5IsInvalidHeaderValue) {
  for (const char* bad : {"not base64!", "AAAA", "-_AAAAAAAAAAAAAAAAAAAA=="}) {
    HttpRequest req = PageRequest("bytes=0-511", "update", std::string(512, 'a'));
    req.set("Content-MD5", bad);
    const BlobError e = RefusalOf(ParsePageWrite(req, kBlobBytes));
    EXPECT_EQ(e.code, "InvalidHeaderValue") << bad;
    EXPECT_NE(e.message.find(std::string("'") + bad + "' of header Content-MD5"), std::string::npos)
        << e.message;
  }
}

TEST(ParsePageWriteTest, AClearMayCoverTheWholeBlobButAnUpdateAtMostFourMiB) {
  auto clear = ParsePageWrite(PageRequest("bytes=0-" + std::to_string(kBlobBytes - 1), "clear", ""),
                              kBlobBytes);
  ASSERT_TRUE(std::holds_alternative<PageWrite>(clear));
  EXPECT_EQ(std::get<PageWrite>(clear).length, kBlobBytes);
  EXPECT_FALSE(std::get<PageWrite>(clear).update);
  const uint64_t over = kMaxPageWriteBytes + kPageBytes;
  const BlobError e = RefusalOf(ParsePageWrite(
      PageRequest("bytes=0-" + std::to_string(over - 1), "update", std::string(over, 'a')),
      kBlobBytes));
  EXPECT_EQ(e.code, "InvalidHeaderValue");
  EXPECT_NE(e.message.find("at most 4 MiB (4194304 bytes) may be written at once"),
            std::string::npos)
      << e.message;
}

// A page write that would split the blob's page list past its bound is the request's fault:
// 409 TooManyPageRanges in storage XML, and the blob is unchanged. Other failures are not.
TEST(RequestRefusalTest, TooManyPageRangesIsA409StorageErrorAndTheBlobIsUnchanged) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("refusal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto created = storage::StagingBlob::Create(dir / "b.blob", kBlobBytes);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  storage::StagingBlob& blob = **created;
  ASSERT_TRUE(blob.TrackPages(dir / "b.pages", 1).ok());
  auto apply = [&](const std::string& range, const std::string& body) {
    HttpRequest req = PageRequest(range, "update", body);
    auto parsed = ParsePageWrite(req, kBlobBytes);
    EXPECT_TRUE(std::holds_alternative<PageWrite>(parsed));
    return ApplyPageWrite(std::get<PageWrite>(parsed), req, blob);
  };
  ASSERT_TRUE(apply("bytes=0-511", std::string(512, 'a')).ok());
  Status failed = apply("bytes=1024-1535", std::string(512, 'b'));
  std::optional<BlobError> refusal = RequestRefusal(failed);
  ASSERT_TRUE(refusal.has_value()) << failed.ToString();
  EXPECT_EQ(refusal->status, http::status::conflict);
  EXPECT_EQ(refusal->code, "TooManyPageRanges");
  EXPECT_EQ(refusal->message, failed.message());
  HttpResponse answer = StorageErrorAnswer(*refusal, 0);
  EXPECT_EQ(answer.result(), http::status::conflict);
  EXPECT_EQ(answer["x-ms-error-code"], "TooManyPageRanges");
  EXPECT_NE(answer.body().find("<Error><Code>TooManyPageRanges</Code><Message>Writing these "
                               "pages would leave the blob's written pages in 2 separate "
                               "ranges; a blob may have at most 1 here, so nothing was changed."),
            std::string::npos)
      << answer.body();
  std::vector<uint8_t> back(512, 9);
  ASSERT_TRUE(blob.ReadPages(1024, back).ok());
  EXPECT_EQ(back, std::vector<uint8_t>(512, 0));
  EXPECT_EQ(*blob.PageRanges(), (std::vector<storage::PageRange>{{0, 512}}));
  // A full disk or an I/O error is the server's: no refusal (the data planes answer 5xx).
  EXPECT_FALSE(RequestRefusal(Status::ResourceExhausted("no space left")).has_value());
  EXPECT_FALSE(RequestRefusal(Status::Unavailable("read failed")).has_value());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gallery::api
