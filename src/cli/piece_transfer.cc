#include "cli/piece_transfer.h"

#include <algorithm>
#include <span>
#include <mutex>
#include <thread>

#include "storage/chunk_digest.h"

namespace gallery::cli {

std::vector<Piece> PlanPieces(uint64_t size, uint64_t piece_bytes) {
  std::vector<Piece> pieces;
  for (uint64_t offset = 0; offset < size; offset += piece_bytes) {
    pieces.push_back({offset, std::min(piece_bytes, size - offset)});
  }
  return pieces;
}

std::vector<Piece> PiecesNotWritten(const std::vector<Piece>& pieces,
                                    std::vector<PageRange> written) {
  // Merge the ranges into disjoint, sorted, half-open intervals.
  std::sort(written.begin(), written.end(),
            [](const PageRange& a, const PageRange& b) { return a.start < b.start; });
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (const PageRange& r : written) {
    if (!merged.empty() && r.start <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.end + 1);
    } else {
      merged.emplace_back(r.start, r.end + 1);
    }
  }
  std::vector<Piece> todo;
  for (const Piece& p : pieces) {
    // The last merged interval starting at or before the piece must reach its end.
    auto after = std::upper_bound(
        merged.begin(), merged.end(), p.offset,
        [](uint64_t offset, const std::pair<uint64_t, uint64_t>& m) { return offset < m.first; });
    bool covered = after != merged.begin() && std::prev(after)->second >= p.offset + p.length;
    if (!covered) {
      todo.push_back(p);
    }
  }
  return todo;
}

std::vector<Piece> RoundOutParts(const std::vector<Piece>& parts, uint64_t unit,
                                 const Piece& within) {
  const uint64_t limit = within.offset + within.length;
  std::vector<Piece> out;
  for (const Piece& p : parts) {
    const uint64_t begin = std::max(within.offset, p.offset / unit * unit);
    const uint64_t end = std::min(limit, (p.offset + p.length + unit - 1) / unit * unit);
    if (!out.empty() && out.back().offset + out.back().length >= begin) {
      out.back().length = std::max(out.back().offset + out.back().length, end) - out.back().offset;
    } else {
      out.push_back({begin, end - begin});
    }
  }
  return out;
}

bool IsAllZero(std::string_view bytes) {
  return storage::IsAllZero(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Result<TransferStats> RunPieces(const std::vector<Piece>& pieces, const TransferOptions& options,
                                const PieceAction& action) {
  TransferStats stats;
  std::mutex mu;  // guards stats and first_error
  Status first_error;
  std::atomic<size_t> next{0};
  std::atomic<int64_t> sends_started{0};
  std::atomic<bool> stop{false};

  auto stopped = [&] {
    return stop.load() || (options.cancel != nullptr && options.cancel->load());
  };
  size_t threads =
      std::min<size_t>(std::max(options.threads, 1), std::max<size_t>(pieces.size(), 1));
  std::vector<std::unique_ptr<PageBlobClient>> clients;
  for (size_t t = 0; t < threads; ++t) {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<PageBlobClient> client, options.connect());
    clients.push_back(std::move(client));
  }
  auto worker = [&](PageBlobClient& blob) {
    std::string buffer;
    while (!stopped()) {
      size_t i = next.fetch_add(1);
      if (i >= pieces.size()) {
        return;
      }
      if (options.stop_after_pieces >= 0 &&
          sends_started.fetch_add(1) >= options.stop_after_pieces) {
        stop = true;
        return;
      }
      const Piece& piece = pieces[i];
      Result<uint64_t> sent = action(blob, piece, buffer);
      std::lock_guard<std::mutex> lock(mu);
      if (!sent.ok()) {
        if (first_error.ok()) {
          first_error = sent.status();
        }
        stop = true;
        return;
      }
      (*sent > 0 ? stats.pieces_sent : stats.pieces_skipped) += 1;
      stats.bytes_sent += *sent;
      stats.bytes_skipped += piece.length - *sent;
      if (options.on_piece_done) {
        options.on_piece_done(piece.length, *sent);
      }
    }
  };

  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) {
    workers.emplace_back(worker, std::ref(*clients[t]));
  }
  worker(*clients[0]);
  for (std::thread& w : workers) {
    w.join();
  }
  if (!first_error.ok()) {
    return first_error;
  }
  stats.interrupted = stats.pieces_sent + stats.pieces_skipped < pieces.size();
  return stats;
}

}  // namespace gallery::cli
