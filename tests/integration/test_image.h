#pragma once
// A small real disk image for tests that need managed images with data: a fixed VHD of 20 MiB
// (a pattern in the first MiB, zeros elsewhere; Azure's smallest upload), uploaded as a page
// blob to galleryd's storage-account endpoint. A managed image made from its URL is ingested
// like any other (about a MiB of chunks).
//
//   Result<std::string> uri = UploadTestVhd(*client, server->endpoint());
//   // {"blobUri": *uri} in an image's osDisk

#include <cstdint>
#include <string>
#include <vector>

#include "client/http_transport.h"
#include "common/result.h"

namespace gallery::testing {

inline constexpr uint64_t kTestVhdDiskBytes = uint64_t{20} << 20;

// The fixed VHD: kTestVhdDiskBytes of disk, then the 512-byte footer.
std::string SmallFixedVhd();

// Uploads SmallFixedVhd as blob `blob` ("{account}/{container}/{name}") with `client`, which
// must carry a bearer token of the tenant; returns the blob's URL under `endpoint`
// ("https://127.0.0.1:PORT"). The storage error when a call is refused.
Result<std::string> UploadTestVhd(HttpTransport& client, const std::string& endpoint,
                                  const std::string& blob = "acct/vhds/os.vhd");

// Writes a sparse raw disk of `size` bytes to `path`: 1 MiB runs of pseudo-random bytes
// (std::mt19937_64 seeded with `seed`) at each of `offsets`, zeros (holes) elsewhere, so
// uploads and downloads exercise both their data and their zero paths. Unavailable naming the
// path when it cannot be written.
Status WriteRawTestDisk(const std::string& path, uint64_t size, uint64_t seed,
                        const std::vector<uint64_t>& offsets);

}  // namespace gallery::testing
