#pragma once
// StorageAccountApi: a local stand-in for Azure Storage accounts, in Azurite's path style, so
// VHDs can be uploaded as page blobs and named as a managed image's blobUri:
//
//   https://HOST:PORT/blob/{account}/{container}/{blob path}
//
// Callers authenticate with their ARM bearer token (the ARM Authenticator). Blobs are
// namespaced per tenant ({data-dir}/blobs/{tenant}/{account}/{container}/{blob},
// storage/account_blobs.h): any principal of a tenant may read and write its tenant's blobs, and
// nothing of another tenant is visible. Calls (page_blob_protocol.h for the shared parts):
//   PUT     x-ms-blob-type: PageBlob, x-ms-blob-content-length: N (a multiple of 512, > 0)
//           creates (or replaces) an empty blob                               -> 201
//   PUT     ?comp=page  x-ms-page-write: update|clear, x-ms-range: bytes=A-B   -> 201
//   GET     ?comp=pagelist                                                     -> 200 XML
//   GET/HEAD  whole (200) or with Range / x-ms-range (206), streamed
//   DELETE                                                                     -> 202
// Refusals are Azure Storage's XML errors: 401 InvalidAuthenticationInfo (no or a bad token,
// with the ARM challenge), 400 InvalidResourceName / InvalidUri (names, see domain/blob_uri.h),
// 400 InvalidHeaderValue / MissingRequiredHeader (blob type, length), 404 BlobNotFound, the
// page-write and range refusals of page_blob_protocol.h, 409 TooManyPageRanges (a write or
// clear that would leave more than storage::kMaxPageMapRanges separate written ranges; nothing
// changed), 507 InsufficientStorage (the server's disk is full), 400 UnsupportedHttpVerb.
// Thread-safe.

#include <filesystem>
#include <string_view>

#include "api/authenticator.h"
#include "api/http_types.h"
#include "common/time.h"

namespace gallery::api {

class StorageAccountApi {
 public:
  // References must outlive the API.
  StorageAccountApi(Authenticator& authenticator, std::filesystem::path blobs_root,
                    const Clock& clock)
      : authenticator_(authenticator), root_(std::move(blobs_root)), clock_(clock) {}

  // True for the targets this endpoint answers (/blob/...).
  static bool Serves(std::string_view target);

  HttpReply Handle(HttpRequest&& request, const RequestInfo& info);

 private:
  Authenticator& authenticator_;
  std::filesystem::path root_;
  const Clock& clock_;
};

}  // namespace gallery::api
