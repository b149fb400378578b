#pragma once
// ScrubStore: re-hashes the chunks a store should hold and repairs the damaged ones from other
// stores that hold the same chunks.
//
//   std::vector<ChunkDigest> expected = ...;  // the chunks of the store's manifests
//   GALLERY_ASSIGN_OR_RETURN(ScrubReport report,
//                            ScrubStore(westus, expected, {&westus_2, &eastus}, {}));
//   if (report.unrepairable > 0) ...;         // report.problems names them
//
// Each expected chunk is read with ChunkStore::Read, which verifies it: DataLoss means the
// stored chunk is corrupt, NotFound that it is missing. A bad chunk is repaired from the first
// source whose Read of the same digest verifies: written through a batch (whose Commit
// replaces the damaged file: FileChunkStore renames the new file over the old name), then read
// back; only a chunk that verifies after that counts as repaired. Chunks are read one at a time
// per worker thread, so memory stays at a few chunks whatever the store's size.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/chunk_store.h"

namespace gallery::storage {

enum class ScrubProblemKind { kCorrupt, kMissing };
// "corrupt", "missing".
std::string_view ScrubProblemName(ScrubProblemKind kind);

struct ScrubProblem {
  ChunkDigest digest{};
  ScrubProblemKind kind = ScrubProblemKind::kCorrupt;
  bool repaired = false;
  // Why the chunk was bad, and when it stayed bad, why the repair failed.
  std::string detail;
  // When it stayed bad, the repair's failure in one word, without server paths: "noGoodCopy"
  // (no other store holds a verified copy), "writeFailed" (one does, but writing it into this
  // store failed), "doesNotVerify" (written, but the store does not serve it back verified).
  std::string not_repaired;
};

struct ScrubReport {
  uint64_t chunks_checked = 0;  // expected chunks examined (duplicates in `expected` once)
  uint64_t bytes_checked = 0;   // content bytes of the chunks that verified as stored
  uint64_t corrupt = 0;         // chunks whose stored bytes failed verification
  uint64_t missing = 0;         // chunks absent from the store
  uint64_t repaired = 0;        // corrupt or missing chunks now verified in the store
  uint64_t unrepairable = 0;    // corrupt or missing chunks no source could restore
  // The first ScrubOptions::max_problems problems found, in digest order; corrupt + missing
  // counts them all.
  std::vector<ScrubProblem> problems;
};

struct ScrubOptions {
  // Worker threads reading chunks (reads and hashing of a store overlap well on two).
  int threads = 2;
  size_t max_problems = 100;
  // When set to true the scrub stops early and returns Unavailable. May be null.
  const std::atomic<bool>* cancel = nullptr;
};

// Checks every chunk of `expected` in `store` and repairs the bad ones from `sources` (tried in
// order; `store` itself among them is skipped). Read errors of a source only make that source
// unusable for that chunk. Errors: InvalidArgument for threads < 1; Unavailable when a read of
// `store` fails with an I/O error (the check is incomplete: nothing can be concluded) or when
// cancelled. Repairs made before an error stay made. Thread-safe with respect to the stores'
// other users (readers may see a damaged chunk until it is repaired, never wrong bytes).
Result<ScrubReport> ScrubStore(ChunkStore& store, const std::vector<ChunkDigest>& expected,
                               const std::vector<ChunkStore*>& sources,
                               const ScrubOptions& options = {});

}  // namespace gallery::storage
