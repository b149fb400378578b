#pragma once
// Manifest: a disk's bytes as an ordered list of fixed-size, offset-aligned chunks.
//
// Chunk i covers [i * chunk_size, min((i + 1) * chunk_size, virtual_size)): the last chunk is
// short when virtual_size is not a multiple of chunk_size. A chunk that is all zeros is not
// stored and appears as nullopt.
//
//   Manifest m{.virtual_size = size, .chunk_size = kDefaultChunkSize, .chunks = ...};
//   std::string body = EncodeManifest(m);              // what the metadata store keeps
//   GALLERY_ASSIGN_OR_RETURN(Manifest back, DecodeManifest(body));
//
// Encoding (version 1, little-endian): "GMAN", u16 version, u16 flags (0), u64 virtual_size,
// u32 chunk_size, u64 chunk count, a bitmap of present chunks (bit i of byte i/8), the 32-byte
// digests of the present chunks in order, then the first 8 bytes of the SHA-256 of everything
// before them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/chunk_digest.h"

namespace gallery::storage {

struct Manifest {
  uint64_t virtual_size = 0;
  uint32_t chunk_size = 0;
  std::vector<std::optional<ChunkDigest>> chunks;  // nullopt: all zeros, not stored

  bool operator==(const Manifest&) const = default;
};

// ceil(virtual_size / chunk_size); 0 when chunk_size is 0.
uint64_t ChunkCount(uint64_t virtual_size, uint32_t chunk_size);

// The length of chunk `index` (chunk_size, or less for the last one). index < chunks.size().
uint32_t ChunkLength(const Manifest& manifest, uint64_t index);

// OK when chunk_size > 0 and chunks.size() == ChunkCount(virtual_size, chunk_size);
// InvalidArgument saying which does not hold otherwise.
Status ValidateManifest(const Manifest& manifest);

// The binary form described above. `manifest` must be valid (ValidateManifest).
std::string EncodeManifest(const Manifest& manifest);

// Parses EncodeManifest's output. InvalidArgument when `body` is not a manifest (wrong magic)
// or has a version this build does not read; DataLoss when it is truncated, fails its
// checksum or is inconsistent. Never crashes or over-allocates on hostile input.
Result<Manifest> DecodeManifest(std::string_view body);

// The digests the manifest refers to, each once, sorted.
std::vector<ChunkDigest> DistinctChunks(const Manifest& manifest);

// The chunks the manifests refer to, each once with its content's length, in the order of
// first use: by offset, disk after disk (the order in which an upload stored them).
std::vector<std::pair<ChunkDigest, uint32_t>> ChunksInUseOrder(std::span<const Manifest> manifests);

// Uncompressed bytes of the distinct chunks the manifest refers to (what the disk adds to an
// empty store).
uint64_t StoredBytes(const Manifest& manifest);

}  // namespace gallery::storage
