#pragma once
// Piece transfers: a page blob moved in fixed-size pieces by parallel workers, each with its
// own PageBlobClient (its own connection). Upload and download supply what one piece does.
//
//   TransferOptions options;
//   options.threads = 4;
//   options.connect = [&] { return NewBlobClient(sas); };
//   GALLERY_ASSIGN_OR_RETURN(TransferStats stats,
//       RunPieces(PlanPieces(size), options, [&](PageBlobClient& blob, const Piece& p,
//                                                std::string& buffer) -> Result<bool> { ... }));
//
// Memory: one buffer of at most kPieceBytes per worker.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/page_blob_client.h"
#include "common/result.h"

namespace gallery::cli {

// Bytes per piece: the largest page write.
inline constexpr uint64_t kPieceBytes = PageBlobClient::kMaxWriteBytes;

// A byte range [offset, offset + length) of the blob.
struct Piece {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const Piece&) const = default;
};

// [0, size) cut into pieces of `piece_bytes` (the last one shorter), in order.
std::vector<Piece> PlanPieces(uint64_t size, uint64_t piece_bytes = kPieceBytes);

// The pieces of `pieces` not covered whole by `written` (ranges in any order, overlapping or
// adjacent): what a resumed upload still has to do. A piece partly covered is redone.
std::vector<Piece> PiecesNotWritten(const std::vector<Piece>& pieces,
                                    std::vector<PageRange> written);

// `parts` (in order, disjoint, inside `within`) each rounded out to multiples of `unit` and
// clipped to `within`, merged where they then overlap or touch: the whole blocks that hold
// them. `unit` > 0.
std::vector<Piece> RoundOutParts(const std::vector<Piece>& parts, uint64_t unit,
                                 const Piece& within);

// True when every byte of `bytes` is zero: storage::IsAllZero over a string's bytes.
bool IsAllZero(std::string_view bytes);

struct TransferStats {
  uint64_t pieces_sent = 0;  // moved over the network, whole or in part
  uint64_t bytes_sent = 0;
  uint64_t pieces_skipped = 0;  // all zeros: not sent (upload) or not written (download)
  uint64_t bytes_skipped = 0;   // zeros not moved, of skipped and partly sent pieces
  // The transfer stopped early (cancel flag or stop_after_pieces); pieces remain.
  bool interrupted = false;
};

struct TransferOptions {
  int threads = 4;
  // Makes one worker's client; called once per worker, on the calling thread, before any
  // piece moves.
  std::function<Result<std::unique_ptr<PageBlobClient>>()> connect;
  // Called with each piece's length once it is done (sent or skipped) and the bytes of it the
  // action moved (0 for a skipped piece); from worker threads.
  std::function<void(uint64_t bytes, uint64_t moved)> on_piece_done;
  // Set (e.g. by a SIGINT handler) to stop: each worker finishes its current piece.
  const std::atomic<bool>* cancel = nullptr;
  // Stops after this many pieces were done, sent or skipped (negative: no limit). For tests of
  // interrupted transfers.
  int64_t stop_after_pieces = -1;
};

// What one worker does with one piece: returns how many of its bytes it moved over the network
// (0 when it skipped it: all zeros; fewer than its length when it sent only its non-zero
// runs). `buffer` is the worker's, reused between pieces.
using PieceAction =
    std::function<Result<uint64_t>(PageBlobClient& blob, const Piece& piece, std::string& buffer)>;

// Runs `action` on every piece from `options.threads` workers (at least 1, at most one per
// piece), pieces taken in order. The first error stops all workers and is returned.
Result<TransferStats> RunPieces(const std::vector<Piece>& pieces, const TransferOptions& options,
                                const PieceAction& action);

}  // namespace gallery::cli
