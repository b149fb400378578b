#include "storage/garbage_collector.h"

#include <algorithm>
#include <vector>

namespace gallery::storage {

Result<GcReport> CollectGarbage(ChunkStore& store,
                                const ForEachReferencedChunk& for_each_referenced,
                                TimestampMs started_before) {
  GcReport report;
  // (1) Candidates: chunks not used since the cutoff. Listed before the manifests are read,
  // so a chunk written or refreshed later is never a candidate of this pass by its listing.
  // A sorted vector: 33 bytes per candidate, where a set would take about 80.
  std::vector<ChunkDigest> candidates;
  GALLERY_RETURN_IF_ERROR(store.ForEach([&](const ChunkDigest& digest, TimestampMs last_used) {
    ++report.examined;
    if (last_used < started_before) {
      candidates.push_back(digest);
    }
  }));
  std::sort(candidates.begin(), candidates.end());
  // (2) Whatever a committed manifest refers to stays.
  std::vector<bool> referenced(candidates.size());
  GALLERY_RETURN_IF_ERROR(for_each_referenced([&](const ChunkDigest& digest) {
    auto it = std::lower_bound(candidates.begin(), candidates.end(), digest);
    if (it != candidates.end() && *it == digest) {
      referenced[static_cast<size_t>(it - candidates.begin())] = true;
    }
  }));
  // (3) Remove the rest, unless an ingest confirmed or rewrote a chunk since step 1.
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (referenced[i]) {
      continue;
    }
    const ChunkDigest& digest = candidates[i];
    GALLERY_ASSIGN_OR_RETURN(std::optional<uint64_t> freed,
                             store.RemoveIfUnused(digest, started_before));
    if (freed) {
      ++report.deleted;
      report.bytes_freed += *freed;
    }
  }
  return report;
}

}  // namespace gallery::storage
