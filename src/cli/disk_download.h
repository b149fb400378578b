#pragma once
// Disk download: a disk's page blob (a fixed VHD served under a Read grant) copied into a
// local file by parallel ranged reads.
//
//   GALLERY_ASSIGN_OR_RETURN(TransferStats stats,
//                            DownloadToFile("disk.raw", blob_size - 512, options));
//
// The file gets exactly `length` bytes: the blob's first `length` bytes (all of a VHD, or the
// disk without its footer for raw). Pieces that read as all zeros are not written, and the file
// is sized with ftruncate, so they stay holes (a sparse file).

#include <cstdint>
#include <string>

#include "cli/piece_transfer.h"
#include "common/result.h"

namespace gallery::cli {

// Creates or truncates `path` and fills it from the blob (see RunPieces for `options`).
// Unavailable (or NotFound for a missing directory) naming the path when the file cannot be
// written; errors of the reads are returned as they are, and a failed transfer removes the file
// (sized at once, a partial one would look complete). An interrupted transfer (see
// TransferOptions) leaves the partial file.
Result<TransferStats> DownloadToFile(const std::string& path, uint64_t length,
                                     const TransferOptions& options);

}  // namespace gallery::cli
