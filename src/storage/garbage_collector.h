#pragma once
// CollectGarbage: deletes the chunks of a store that no manifest refers to.
//
//   TimestampMs cutoff = clock.Now() - kGcGraceMs;
//   GALLERY_ASSIGN_OR_RETURN(GcReport report, CollectGarbage(store, for_each_manifest_chunk,
//                                                            cutoff));
//
// The pass: (1) list the store's chunks whose last use is older than `started_before` (the
// candidates); (2) walk every committed manifest and drop the chunks it refers to from the
// candidates; (3) remove each remaining candidate with ChunkStore::RemoveIfUnused(digest,
// started_before), which keeps it if it was used since.
//
// Why this is safe while uploads run: an upload commits its manifest only after Ingest, which
// for every chunk either wrote it (last use = write time) or confirmed it with Contains (last
// use refreshed to that time). A manifest committed before step 2 starts protects its chunks
// in step 2. A manifest committed later belongs to an ingest still running at step 2; if that
// ingest started after `started_before`, each of its chunks was written or refreshed after
// the cutoff, and RemoveIfUnused in step 3 sees that (it is atomic with respect to Contains: a
// Contains that lost the race answers false and the ingest writes the chunk again). So the
// caller must pass a cutoff older than the start of any ingest whose manifest is not yet
// committed: "now - grace" with grace longer than the longest ingest (an hour is ample for
// the disk sizes Gallery serves). Creating a disk from a version copies a committed manifest,
// so its chunks are protected by the source manifest.

#include <cstdint>
#include <functional>

#include "common/result.h"
#include "common/time.h"
#include "storage/chunk_store.h"

namespace gallery::storage {

// A grace period comfortably longer than any ingest.
inline constexpr TimestampMs kGcGraceMs = 60 * 60 * 1000;

struct GcReport {
  uint64_t examined = 0;     // chunks in the store
  uint64_t deleted = 0;      // chunks removed
  uint64_t bytes_freed = 0;  // stored bytes of the removed chunks
};

// Calls `visit` for every chunk digest of every committed manifest (repeats allowed); returns
// its first error, which aborts the collection.
using ForEachReferencedChunk =
    std::function<Status(const std::function<void(const ChunkDigest&)>& visit)>;

// Deletes the chunks of `store` that no manifest refers to and whose last use is older than
// `started_before`. Errors from the store or from `for_each_referenced` stop the pass and are
// returned (chunks deleted until then stay deleted; none that is referenced ever is).
Result<GcReport> CollectGarbage(ChunkStore& store,
                                const ForEachReferencedChunk& for_each_referenced,
                                TimestampMs started_before);

}  // namespace gallery::storage
