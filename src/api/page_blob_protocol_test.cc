#include "api/page_blob_protocol.h"

#include <gtest/gtest.h>

#include "access/digest.h"
#include "common/base64.h"

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

}  // namespace
}  // namespace gallery::api
