#include "service/manifest_chunks.h"

#include "storage/manifest.h"

namespace gallery::service {

Status ForEachManifestChunk(metadata::Transaction& tx, const std::string& store,
                            const std::function<void(const metadata::ManifestRecord& record,
                                                     const storage::ChunkDigest& chunk)>& visit) {
  return tx.ForEachManifest([&](const metadata::ManifestRecord& record) -> Status {
    if (!store.empty() && record.store != store) {
      return Status::Ok();
    }
    Result<storage::Manifest> manifest = storage::DecodeManifest(record.body);
    if (!manifest.ok()) {
      return Status(manifest.status().code(),
                    "manifest '" + record.id + "' does not decode: " + manifest.status().message());
    }
    for (const std::optional<storage::ChunkDigest>& chunk : manifest->chunks) {
      if (chunk.has_value()) {
        visit(record, *chunk);
      }
    }
    return Status::Ok();
  });
}

}  // namespace gallery::service
