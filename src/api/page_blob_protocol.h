#pragma once
// The Azure Storage page-blob protocol pieces both blob data planes speak (blob_api.h for disk
// grants, storage_account_api.h for the storage-account endpoint): answers and refusals in
// Azure Storage's shape, range headers, page writes, page lists and ranged reads.
//
// Refusals are an XML `<Error><Code/><Message/></Error>` body with the `x-ms-error-code`
// header; every answer carries `x-ms-request-id`, `x-ms-version` and `Date`.

#include <cstdint>
#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "common/time.h"
#include "storage/page_blob.h"

namespace gallery::api {

inline constexpr char kStorageVersion[] = "2018-03-28";
inline constexpr uint64_t kPageBytes = 512;
// The message of a 503 ServerBusy answer to a failed storage operation (the log has the cause).
inline constexpr char kServerBusyMessage[] =
    "The server could not complete the operation on the blob now; its log says why.";
// The largest page blob, as in Azure Storage (Put Blob: x-ms-blob-content-length up to 8 TiB).
inline constexpr uint64_t kMaxPageBlobBytes = uint64_t{8} << 40;
inline constexpr uint64_t kMaxPageWriteBytes = uint64_t{4} << 20;

// A refusal in Azure Storage's shape.
struct BlobError {
  boost::beast::http::status status;
  std::string code;
  std::string message;
};

// RFC 7231 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(TimestampMs t);
// An empty answer with the storage headers.
HttpResponse StorageAnswer(boost::beast::http::status status, TimestampMs now);
// The XML error answer of `e`.
HttpResponse StorageErrorAnswer(const BlobError& e, TimestampMs now);
// A header's value, empty when absent.
std::string HeaderOf(const HttpRequest& req, std::string_view name);

// "bytes=A-B", "bytes=A-" (to the end) or "bytes=-N" (the last N); inclusive.
struct ByteRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
};
// nullopt when malformed.
std::optional<ByteRange> ParseByteRange(std::string_view value);
// The range header of a request: x-ms-range wins over Range, as in Azure Storage.
std::string RangeHeader(const HttpRequest& req);

// A checked `PUT ?comp=page`: `x-ms-page-write: update` (the body is the range's bytes) or
// `clear` (no body), on 512-byte boundaries, inside a blob of `blob_size`; an update carries at
// most 4 MiB, a clear may cover the whole blob.
struct PageWrite {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool update = true;
};
// The write, or the refusal: 400 InvalidHeaderValue (malformed range, x-ms-page-write or
// Content-MD5, a body of another length, an update over 4 MiB), 400 Md5Mismatch (an update whose
// body's MD5 is not its Content-MD5), 416 InvalidPageRange (off 512-byte boundaries, outside the
// blob).
std::variant<PageWrite, BlobError> ParsePageWrite(const HttpRequest& req, uint64_t blob_size);
// Applies a checked write to `blob`.
Status ApplyPageWrite(const PageWrite& write, const HttpRequest& req, storage::PageBlob& blob);
// The refusal of a failed blob operation that is the request's doing, not the server's: 409
// TooManyPageRanges (reason storage::kTooManyPageRangesReason: the write or clear would split
// the blob's written pages into more ranges than it may have; nothing was changed) with the
// storage layer's message. nullopt for any other failure (the server's: 5xx).
std::optional<BlobError> RequestRefusal(const Status& s);
// The 201 answer of a page write.
HttpResponse PageWriteAnswer(TimestampMs now);
// The part of the blob a `GET ?comp=pagelist` lists: all of it, or the x-ms-range (or Range)
// "bytes=A-B" / "bytes=A-" given, clipped to the blob. Refusals: 400 InvalidHeaderValue
// (malformed, or a suffix range "bytes=-N"), 416 InvalidPageRange (A or B+1 off 512-byte
// boundaries, A past the blob's end).
std::variant<storage::PageRange, BlobError> ParsePageListRange(const HttpRequest& req,
                                                               uint64_t blob_size);
// The 200 answer of `GET ?comp=pagelist`: `ranges` (in order), clipped to `window`.
HttpResponse PageListAnswer(const std::vector<storage::PageRange>& ranges,
                            const storage::PageRange& window, uint64_t blob_size, TimestampMs now);

// The window of a GET/HEAD of a blob of `total` bytes: whole (ranged false) or the request's
// range clipped to the blob.
struct ReadWindow {
  uint64_t first = 0;
  uint64_t length = 0;
  bool ranged = false;
};
// The window, or the refusal answer (400 InvalidHeaderValue for a malformed range, 416
// InvalidRange with `Content-Range: bytes */total` for one outside the blob).
std::variant<ReadWindow, HttpResponse> ResolveReadWindow(const HttpRequest& req, uint64_t total,
                                                         TimestampMs now);
// The 200/206 answer headers of a read of `window` (Content-Range when ranged, the length).
HttpResponse ReadAnswer(const ReadWindow& window, uint64_t total, TimestampMs now);

// The streamed body of a read of `window`: `read_at(offset, out)` fills `out` with the bytes at
// `offset`, piece by piece, so a large download is never held in memory. `read_at` may own
// what it reads from (it lives as long as the body).
template <typename ReadAt>
std::unique_ptr<BodySource> WindowSource(ReadAt read_at, const ReadWindow& window) {
  class Source final : public BodySource {
   public:
    Source(ReadAt read_at, uint64_t offset, uint64_t length)
        : read_at_(std::move(read_at)), offset_(offset), length_(length), remaining_(length) {}
    uint64_t size() const override { return length_; }
    Result<size_t> Read(std::span<uint8_t> out) override {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
      GALLERY_RETURN_IF_ERROR(read_at_(offset_, out.first(n)));
      offset_ += n;
      remaining_ -= n;
      return n;
    }

   private:
    ReadAt read_at_;
    uint64_t offset_;
    uint64_t length_;
    uint64_t remaining_;
  };
  return std::make_unique<Source>(std::move(read_at), window.first, window.length);
}

}  // namespace gallery::api
