#pragma once
// ManifestDisk: the VirtualDisk whose bytes a manifest describes, read from a chunk store and
// verified (what export and the blob data plane serve).
//
//   ManifestDisk disk(manifest, store);
//   std::vector<uint8_t> buf(64 << 10);
//   GALLERY_RETURN_IF_ERROR(disk.ReadAt(offset, buf));  // DataLoss if a chunk was damaged
//
// Absent chunks (nullopt) read as zeros without touching the store. The most recently read
// chunks are cached (verified content, shared between readers), so sequential small reads of a
// large chunk read and hash it once. Thread-safe.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/chunk_store.h"
#include "storage/manifest.h"
#include "storage/virtual_disk.h"

namespace gallery::storage {

class ManifestDisk final : public VirtualDisk {
 public:
  static constexpr size_t kDefaultCachedChunks = 4;

  // `manifest` should be valid (DecodeManifest's output is); if not, every read is DataLoss
  // and nothing is known zero. `store` must outlive the disk. `cached_chunks` >= 1.
  ManifestDisk(Manifest manifest, ChunkStore& store, size_t cached_chunks = kDefaultCachedChunks);
  // The same over a manifest shared with others (a cache of decoded manifests).
  ManifestDisk(std::shared_ptr<const Manifest> manifest, ChunkStore& store,
               size_t cached_chunks = kDefaultCachedChunks);

  uint64_t size() const override { return manifest_->virtual_size; }
  // InvalidArgument outside [0, size()); the store's NotFound for a referenced chunk that is
  // missing becomes DataLoss (the manifest promised it); DataLoss and Unavailable pass through.
  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override;
  // True when every chunk the range touches is absent (all zeros). False outside [0, size()).
  bool KnownZero(uint64_t offset, uint64_t length) const override;

  const Manifest& manifest() const { return *manifest_; }

 private:
  using ChunkBytes = std::shared_ptr<const std::vector<uint8_t>>;
  Result<ChunkBytes> Chunk(uint64_t index) const;

  std::shared_ptr<const Manifest> manifest_;  // never null
  Status valid_;  // ValidateManifest(*manifest_)
  ChunkStore& store_;
  size_t cached_chunks_;
  mutable std::mutex mu_;
  // Most recently used first.
  mutable std::list<std::pair<ChunkDigest, ChunkBytes>> cache_;
};

}  // namespace gallery::storage
