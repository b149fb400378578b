#pragma once
// BlobApi: the blob data plane of disk uploads and downloads and of image and version exports,
// served beside ARM. Its URLs are the accessSAS a disk's, an image's or a version's
// beginGetAccess returns:
//
//   https://HOST:PORT/disks/{uniqueId}?sv=2018-03-28&sr=b&si={grantId}&sp=w|r&se={RFC3339}&sig=..
//   https://HOST:PORT/exports/{grantId}?sv=2018-03-28&sr=b&si={grantId}&sp=r&se=..&sig=..
//
// A Write grant allows the Azure page-blob calls an upload client makes:
//   PUT  ?comp=page  x-ms-page-write: update (body = the range) | clear (no body),
//                    x-ms-range or Range: bytes=A-B (A and B+1 multiples of 512, at most 4 MiB,
//                    inside the blob)                                       -> 201
//   GET  ?comp=pagelist  -> 200 <PageList><PageRange><Start/><End/></PageRange>...</PageList>
// A Read grant allows HEAD and GET of the sealed disk (or the exported image or version disk)
// as a fixed VHD, whole (200) or with a Range / x-ms-range (206 + Content-Range). A window of up
// to 4 MiB is read and verified before the answer starts; a larger one is streamed, never held
// whole in memory (a chunk failing verification then cuts the connection). It also allows
//   GET  ?comp=pagelist  (x-ms-range or Range: bytes=A-B or bytes=A-, 512-aligned, optional)
// as Azure's Read SAS of a disk does (azcopy skips the ranges not listed): the 1 MiB steps of
// the VHD's data that hold a stored (non-zero) chunk, then the 512-byte footer page, clipped to
// the range; a step listed may still read as zeros, a step not listed always does.
//
// Every refusal is Azure Storage's shape: an XML <Error><Code/><Message/></Error> body and the
// x-ms-error-code header:
//   403 AuthenticationFailed             a forged or altered signature, an unknown (revoked or
//                                        replaced) grant, an expired one (the message says when)
//   403 AuthorizationPermissionMismatch  a Read URL for a write, a Write URL for a read
//   404 BlobNotFound                     no disk has the uniqueId; the exported image or version
//                                        was deleted or no longer holds the granted data
//   500 InternalError                    stored bytes failed verification (never wrong bytes)
//   400 InvalidHeaderValue               a malformed range or x-ms-page-write, a body whose
//                                        length is not the range's
//   416 InvalidPageRange / InvalidRange  a page range off 512-byte boundaries, over 4 MiB or
//                                        outside the blob; a read range outside the disk
//   409 OperationNotAllowed              a write to a disk that is not ActiveUpload (sealing)
//   409 TooManyPageRanges                a write or clear that would split the upload's written
//                                        pages into more separate ranges than one may have
//                                        (disks.maxPageRanges); nothing was changed
//   400 UnsupportedHttpVerb / InvalidQueryParameterValue for other calls.
// Thread-safe; Handle is a plain function of the request.

#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include "api/http_types.h"
#include "api/page_blob_protocol.h"
#include "common/time.h"
#include "service/disk_service.h"
#include "service/export_grants.h"
#include "storage/vhd_format.h"

namespace gallery::api {

class BlobApi {
 public:
  static constexpr uint64_t kMaxPageWriteBytes = uint64_t{4} << 20;

  // References must outlive the BlobApi. Without `exports`, /exports/... is 404 BlobNotFound.
  BlobApi(service::DiskService& disks, const Clock& clock, service::ExportGrants* exports = nullptr)
      : disks_(disks), clock_(clock), exports_(exports) {}

  // True for the targets this data plane answers (/disks/..., /exports/...).
  static bool Serves(std::string_view target);

  HttpReply Handle(HttpRequest&& request, const RequestInfo& info);

 private:
  HttpReply Refuse(const HttpRequest& request, const RequestInfo& info, TimestampMs now,
                   const BlobError& e) const;
  // RequestRefusal's answer (409 TooManyPageRanges), 500 InternalError for DataLoss (stored
  // bytes failed verification), 503 ServerBusy else.
  HttpReply Failed(const HttpRequest& request, const RequestInfo& info, TimestampMs now,
                   const Status& s) const;
  // The refusal of a URL whose fields or signature are wrong or whose expiry passed.
  std::optional<BlobError> CheckSignature(const access::AccessClaim& claim, const std::string& sig,
                                          TimestampMs now) const;
  // HEAD or GET (whole or ranged) of `bytes` as a fixed VHD ending with `footer`.
  HttpReply ServeFixedVhd(const HttpRequest& request, const RequestInfo& info, TimestampMs now,
                          std::unique_ptr<storage::VirtualDisk> bytes,
                          const std::array<uint8_t, storage::kVhdFooterSize>& footer,
                          const std::string& etag, TimestampMs last_modified) const;

  service::DiskService& disks_;
  const Clock& clock_;
  service::ExportGrants* exports_;
};

}  // namespace gallery::api
