#pragma once
// ForEachManifestChunk: the chunks of every manifest recorded in the metadata store, the walk
// that garbage collection and scrub both make.

#include <functional>
#include <string>

#include "common/result.h"
#include "metadata/metadata_store.h"
#include "storage/chunk_digest.h"

namespace gallery::service {

// Calls `visit` with each manifest's record and each of its stored chunks (zero ranges have
// none; a chunk repeated in a manifest is visited each time), inside `tx`; only the manifests
// recorded for `store` when it is not empty. A manifest that does not decode stops the walk
// with its decoding error, naming the manifest; so do the store's errors.
Status ForEachManifestChunk(metadata::Transaction& tx, const std::string& store,
                            const std::function<void(const metadata::ManifestRecord& record,
                                                     const storage::ChunkDigest& chunk)>& visit);

}  // namespace gallery::service
