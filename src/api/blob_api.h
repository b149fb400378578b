#pragma once
// BlobApi: the blob data plane of disk uploads and downloads, served beside ARM. Its URLs are
// the accessSAS a disk's beginGetAccess returns:
//
//   https://HOST:PORT/disks/{uniqueId}?sv=2018-03-28&sr=b&si={grantId}&sp=w|r&se={RFC3339}&sig=..
//
// A Write grant allows the Azure page-blob calls an upload client makes:
//   PUT  ?comp=page  x-ms-page-write: update (body = the range) | clear (no body),
//                    x-ms-range or Range: bytes=A-B (A and B+1 multiples of 512, at most 4 MiB,
//                    inside the blob)                                       -> 201
//   GET  ?comp=pagelist  -> 200 <PageList><PageRange><Start/><End/></PageRange>...</PageList>
// A Read grant allows HEAD and GET of the sealed disk as a fixed VHD, whole (200) or with a
// Range / x-ms-range (206 + Content-Range); the body is streamed, never held whole in memory.
//
// Every refusal is Azure Storage's shape: an XML <Error><Code/><Message/></Error> body and the
// x-ms-error-code header:
//   403 AuthenticationFailed             a forged or altered signature, an unknown (revoked or
//                                        replaced) grant, an expired one (the message says when)
//   403 AuthorizationPermissionMismatch  a Read URL for a write, a Write URL for a read
//   404 BlobNotFound                     no disk has the uniqueId
//   400 InvalidHeaderValue               a malformed range or x-ms-page-write, a body whose
//                                        length is not the range's
//   416 InvalidPageRange / InvalidRange  a page range off 512-byte boundaries, over 4 MiB or
//                                        outside the blob; a read range outside the disk
//   409 OperationNotAllowed              a write to a disk that is not ActiveUpload (sealing)
//   400 UnsupportedHttpVerb / InvalidQueryParameterValue for other calls.
// Thread-safe; Handle is a plain function of the request.

#include <string_view>

#include "api/http_types.h"
#include "common/time.h"
#include "service/disk_service.h"

namespace gallery::api {

class BlobApi {
 public:
  static constexpr uint64_t kMaxPageWriteBytes = uint64_t{4} << 20;

  // References must outlive the BlobApi.
  BlobApi(service::DiskService& disks, const Clock& clock) : disks_(disks), clock_(clock) {}

  // True for the targets this data plane answers (/disks/...).
  static bool Serves(std::string_view target);

  HttpReply Handle(HttpRequest&& request, const RequestInfo& info);

 private:
  service::DiskService& disks_;
  const Clock& clock_;
};

}  // namespace gallery::api
