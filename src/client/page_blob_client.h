#pragma once
// PageBlobClient: Azure page-blob calls on one signed URL (a disk's `accessSAS`): writing and
// clearing 512-byte-aligned ranges, listing the ranges written, reading ranges.
//
//   PageBlobClient blob(transport, "https://127.0.0.1:8443/disks/u1?sv=...&sp=w&sig=...");
//   GALLERY_RETURN_IF_ERROR(blob.PutPages(0, four_mib_of_bytes));
//   GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> written, blob.PageRanges());
//
// Requests carry `x-ms-version: 2018-03-28` and no Authorization (the URL's signature is the
// credential). Errors: a non-success answer becomes a Status whose reason() is the storage
// error code (`<Error><Code>`, else the `x-ms-error-code` header) and whose message() is
// `<Message>`; the code follows the HTTP status as for ARM (StatusCodeForHttpStatus). Transport
// errors pass through. Not thread-safe, like the transport it uses: give each worker thread its
// own PageBlobClient over its own transport (connection).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/http_transport.h"
#include "common/result.h"

namespace gallery {

// An inclusive byte range [start, end] of a page blob, as `comp=pagelist` reports it.
struct PageRange {
  uint64_t start = 0;
  uint64_t end = 0;
  bool operator==(const PageRange&) const = default;
};

class PageBlobClient {
 public:
  static constexpr uint64_t kPageBytes = 512;
  // The largest range one page write may carry.
  static constexpr uint64_t kMaxWriteBytes = uint64_t{4} * 1024 * 1024;
  static constexpr std::string_view kStorageVersion = "2018-03-28";

  // `sas_url`: the absolute signed URL of the blob, on the transport's server. Both must
  // outlive the client.
  PageBlobClient(HttpTransport& transport, std::string sas_url);
  // The same, owning its transport (one connection per client).
  PageBlobClient(std::unique_ptr<HttpTransport> transport, std::string sas_url);

  // Sends `Authorization: Bearer <token>` with every request: the storage-account endpoint
  // authenticates callers with their ARM token (a signed URL needs none).
  void SetBearerToken(std::string token) { bearer_token_ = std::move(token); }

  // Creates (or replaces) an empty page blob of `size` bytes (`PUT` with `x-ms-blob-type:
  // PageBlob`; 201 expected). InvalidArgument, without sending, unless size is a positive
  // multiple of 512.
  Status Create(uint64_t size);

  // Writes `data` at `offset` (`PUT &comp=page`, `x-ms-page-write: update`; 201 expected).
  // InvalidArgument, without sending, unless offset and data.size() are multiples of 512 and
  // 0 < data.size() <= kMaxWriteBytes. Taken by value: a caller moving its buffer in saves a
  // copy of up to 4 MiB.
  Status PutPages(uint64_t offset, std::string data);
  // The same, sending `data` where it is and leaving it to the caller as it was: a caller
  // writing piece after piece reuses one buffer instead of allocating (and faulting in) a
  // fresh one per piece.
  Status PutPagesInPlace(uint64_t offset, std::string& data);

  // Clears `length` bytes at `offset` (`x-ms-page-write: clear`); same checks as PutPages.
  Status ClearPages(uint64_t offset, uint64_t length);

  // The ranges written so far (`GET &comp=pagelist`), in the server's order.
  // InvalidArgument (reason "InvalidResponse") when the XML is not a page list.
  Result<std::vector<PageRange>> PageRanges();

  // Reads `out.size()` bytes at `offset` into `out` (`GET` with `Range: bytes=A-B`; 206, or
  // 200 for a whole-blob answer). Internal (reason "InvalidResponse") when the body's length
  // is not the range's.
  Status ReadRange(uint64_t offset, std::span<char> out);

  // The blob's length, from the `Content-Range` total of a one-page read.
  Result<uint64_t> Size();

 private:
  // Sends `body` and leaves it in `body` again afterwards: a caller passing std::move(x) gets
  // its bytes back in x (PutPagesInPlace's buffer).
  Result<HttpResult> Send(std::string method, std::string url, HttpHeaders headers,
                          std::string&& body, std::initializer_list<int> expected);
  std::string UrlWith(std::string_view query) const;

  std::unique_ptr<HttpTransport> owned_transport_;
  HttpTransport& transport_;
  std::string sas_url_;
  std::string bearer_token_;
};

// Turns a non-success storage answer into a Status (see the class comment).
Status StatusFromStorageError(int http_status, std::string_view body,
                              std::string_view error_code_header);

// Parses `<PageList><PageRange><Start>S</Start><End>E</End></PageRange>...</PageList>`;
// `<ClearRange>` elements are skipped. InvalidArgument when it is not such a list.
Result<std::vector<PageRange>> ParsePageList(std::string_view xml);

}  // namespace gallery
