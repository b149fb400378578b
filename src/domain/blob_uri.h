#pragma once
// Blob URIs of this server's storage-account endpoint (a local stand-in for Azure Storage, in
// Azurite's path style): `https://HOST:PORT/blob/{account}/{container}/{blob path}`.
//
//   GALLERY_ASSIGN_OR_RETURN(BlobLocation at,
//                            ParseServedBlobUri(uri, {"https://127.0.0.1:8443"}, field));
//   // at.account == "acct", at.container == "vhds", at.blob == "os.vhd"
//
// Names follow Azure Storage: an account is 3-24 lower-case letters and digits; a container
// 3-63 lower-case letters, digits and '-', starting and ending with a letter or digit, no "--";
// a blob 1-1024 characters whose '/'-separated segments are neither empty, "." nor "..", and
// contain no control characters or '\'.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::domain {

struct BlobLocation {
  std::string account;
  std::string container;
  std::string blob;
  friend bool operator==(const BlobLocation&, const BlobLocation&) = default;
};

// Each InvalidArgument (reason "InvalidResourceName") naming the value and the rule.
Status ValidateStorageAccountName(std::string_view name);
Status ValidateContainerName(std::string_view name);
Status ValidateBlobName(std::string_view name);

// The blob a request path names: "/blob/{account}/{container}/{blob}" (percent-decoded, no
// query). InvalidArgument (reason "InvalidUri") when it is not such a path, or the names'
// errors.
Result<BlobLocation> ParseBlobPath(std::string_view path);

// The blob `uri` names when it lies on this server's blob endpoint: its scheme, host and port
// equal one of `endpoints` ("https://HOST:PORT", any case) and its path is a blob path. A URI
// elsewhere is InvalidArgument (reason "InvalidParameter", target `field`) naming the first
// endpoint; a bad path is InvalidArgument naming the rule. Query strings are ignored.
Result<BlobLocation> ParseServedBlobUri(std::string_view uri,
                                        const std::vector<std::string>& endpoints,
                                        std::string_view field);

// The URI of `at` under `endpoint` ("https://HOST:PORT").
std::string BlobUri(std::string_view endpoint, const BlobLocation& at);

}  // namespace gallery::domain
