#include "client/page_blob_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/fake_transport.h"

namespace gallery {
namespace {

using ::testing::ElementsAre;

constexpr char kSas[] = "https://127.0.0.1:8443/disks/u1?sv=2018-03-28&sr=b&sp=w&sig=abc";

class PageBlobClientTest : public ::testing::Test {
 protected:
  FakeTransport transport_;
  PageBlobClient blob_{transport_, kSas};
};

TEST_F(PageBlobClientTest, PutPagesSendsRangeWriteModeVersionAndBody) {
  transport_.Respond(201);
  std::string data(1024, 'x');
  ASSERT_TRUE(blob_.PutPages(4096, data).ok());
  ASSERT_EQ(transport_.calls.size(), 1u);
  const HttpCall& call = transport_.calls[0];
  EXPECT_EQ(call.method, "PUT");
  EXPECT_EQ(call.url, std::string(kSas) + "&comp=page");
  EXPECT_EQ(FindHeader(call.headers, "x-ms-page-write"), "update");
  EXPECT_EQ(FindHeader(call.headers, "x-ms-range"), "bytes=4096-5119");
  EXPECT_EQ(FindHeader(call.headers, "x-ms-version"), "2018-03-28");
  EXPECT_FALSE(FindHeader(call.headers, "Authorization").has_value());
  EXPECT_EQ(call.body, data);
}

// PutPagesInPlace sends the caller's bytes and hands them back, after a success, a refusal
// by the server, and a write refused before sending alike.
TEST_F(PageBlobClientTest, PutPagesInPlaceLeavesTheBufferToTheCaller) {
  std::string data(8192, 'p');
  transport_.Respond(201);
  ASSERT_TRUE(blob_.PutPagesInPlace(0, data).ok());
  ASSERT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(transport_.calls[0].body, std::string(8192, 'p'));
  EXPECT_EQ(data, std::string(8192, 'p'));
  transport_.Respond(403, "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code>"
                          "<Message>expired</Message></Error>");
  EXPECT_EQ(blob_.PutPagesInPlace(512, data).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(data, std::string(8192, 'p'));
  std::string odd(100, 'q');
  EXPECT_EQ(blob_.PutPagesInPlace(0, odd).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(odd, std::string(100, 'q'));
  EXPECT_EQ(transport_.calls.size(), 2u);
}

TEST_F(PageBlobClientTest, ClearPagesSendsNoBody) {
  transport_.Respond(201);
  ASSERT_TRUE(blob_.ClearPages(0, 512).ok());
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "x-ms-page-write"), "clear");
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "x-ms-range"), "bytes=0-511");
  EXPECT_EQ(transport_.calls[0].body, "");
}

TEST_F(PageBlobClientTest, MisalignedOrOversizedWritesAreRefusedWithoutSending) {
  EXPECT_EQ(blob_.PutPages(100, std::string(512, 'x')).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blob_.PutPages(0, std::string(500, 'x')).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blob_.PutPages(0, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blob_.ClearPages(0, PageBlobClient::kMaxWriteBytes + 512).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_.calls.empty());
}

TEST_F(PageBlobClientTest, StorageXmlErrorBecomesStatusWithCodeAndMessage) {
  transport_.Respond(403,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed"
                     "</Code><Message>Signature &amp; grant do not match</Message></Error>",
                     {{"x-ms-error-code", "AuthenticationFailed"}});
  Status s = blob_.PutPages(0, std::string(512, 'x'));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.reason(), "AuthenticationFailed");
  EXPECT_EQ(s.message(), "Signature & grant do not match");
}

TEST_F(PageBlobClientTest, ErrorWithoutXmlUsesTheErrorCodeHeader) {
  transport_.Respond(409, "", {{"x-ms-error-code", "OperationNotAllowed"}});
  Status s = blob_.PutPages(0, std::string(512, 'x'));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "OperationNotAllowed");
  EXPECT_EQ(s.message(), "the storage service answered HTTP 409 (OperationNotAllowed)");
}

TEST_F(PageBlobClientTest, NotFoundAndRangeErrorsKeepTheirCodes) {
  transport_.Respond(404, "<Error><Code>BlobNotFound</Code><Message>no</Message></Error>");
  EXPECT_EQ(blob_.PageRanges().status().code(), StatusCode::kNotFound);
  transport_.Respond(400, "<Error><Code>InvalidPageRange</Code><Message>x</Message></Error>");
  Status s = blob_.PutPages(0, std::string(512, 'x'));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "InvalidPageRange");
}

TEST_F(PageBlobClientTest, TransportErrorsPassThrough) {
  transport_.Fail(Status::Unavailable("connection refused"));
  EXPECT_EQ(blob_.PutPages(0, std::string(512, 'x')).code(), StatusCode::kUnavailable);
}

TEST_F(PageBlobClientTest, PageRangesParsesTheList) {
  transport_.Respond(200,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?><PageList>"
                     "<PageRange><Start>0</Start><End>4194303</End></PageRange>"
                     "<ClearRange><Start>4194304</Start><End>4194815</End></ClearRange>"
                     "<PageRange><Start>8388608</Start><End>8389119</End></PageRange>"
                     "</PageList>");
  Result<std::vector<PageRange>> r = blob_.PageRanges();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r, ElementsAre(PageRange{0, 4194303}, PageRange{8388608, 8389119}));
  EXPECT_EQ(transport_.calls[0].method, "GET");
  EXPECT_EQ(transport_.calls[0].url, std::string(kSas) + "&comp=pagelist");
}

TEST(ParsePageListTest, EmptyListsAndMalformedAnswers) {
  EXPECT_TRUE(ParsePageList("<PageList></PageList>")->empty());
  EXPECT_TRUE(ParsePageList("<PageList/>")->empty());
  EXPECT_EQ(ParsePageList("{}").status().code(), StatusCode::kInvalidArgument);
  Result<std::vector<PageRange>> bad =
      ParsePageList("<PageList><PageRange><Start>9</Start><End>x</End></PageRange></PageList>");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().reason(), "InvalidResponse");
  EXPECT_EQ(ParsePageList("<PageList><PageRange><Start>9</Start><End>3</End></PageRange>"
                          "</PageList>")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(PageBlobClientTest, ReadRangeSendsRangeAndCopiesThePartialContent) {
  transport_.Respond(206, "abcd", {{"Content-Range", "bytes 512-515/2048"}});
  std::string out(4, '\0');
  ASSERT_TRUE(blob_.ReadRange(512, out).ok());
  EXPECT_EQ(out, "abcd");
  EXPECT_EQ(transport_.calls[0].url, kSas);
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "Range"), "bytes=512-515");
}

TEST_F(PageBlobClientTest, ReadRangeOfAWholeBlobAnswerTakesTheRange) {
  transport_.Respond(200, "0123456789");
  std::string out(3, '\0');
  ASSERT_TRUE(blob_.ReadRange(2, out).ok());
  EXPECT_EQ(out, "234");
}

TEST_F(PageBlobClientTest, ShortReadIsAnInvalidResponse) {
  transport_.Respond(206, "ab");
  std::string out(4, '\0');
  Status s = blob_.ReadRange(0, out);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.reason(), "InvalidResponse");
}

TEST_F(PageBlobClientTest, SizeComesFromTheContentRangeTotal) {
  transport_.Respond(206, std::string(512, 'x'), {{"Content-Range", "bytes 0-511/20972032"}});
  Result<uint64_t> size = blob_.Size();
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 20972032u);
  EXPECT_EQ(FindHeader(transport_.calls[0].headers, "Range"), "bytes=0-511");
  transport_.Respond(206, std::string(512, 'x'), {{"Content-Range", "bytes 0-511/*"}});
  EXPECT_EQ(blob_.Size().status().reason(), "InvalidResponse");
}

}  // namespace
}  // namespace gallery
