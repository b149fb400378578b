#pragma once
// Tests that damage stores on disk, whatever their format: where a chunk's stored bytes are, in
// a FileChunkStore folder (its file) or a PackChunkStore folder (a range of a pack), found from
// the folder alone, so the store may be open in another process (a galleryd under test).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "storage/chunk_digest.h"
#include "storage/pack_chunk_store.h"

namespace gallery::storage {

struct StoredChunk {
  std::filesystem::path file;
  uint64_t offset = 0;  // where the chunk's stored bytes start in `file`
  uint64_t length = 0;  // how many there are
};

// The stored chunks of the store at `root`.
inline std::map<ChunkDigest, StoredChunk> StoredChunks(const std::filesystem::path& root) {
  std::map<ChunkDigest, StoredChunk> out;
  std::error_code ec;
  if (PackChunkStore::IsPackStore(root)) {
    Result<std::map<ChunkDigest, PackLocation>> found = PackChunkStore::Inspect(root);
    if (found.ok()) {
      for (const auto& [digest, at] : *found) {
        out[digest] = {at.pack, at.offset, at.stored_length};
      }
    }
    return out;
  }
  for (auto it = std::filesystem::recursive_directory_iterator(root / "chunks", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::optional<ChunkDigest> digest = ParseDigest(it->path().filename().string());
    if (digest.has_value() && it->is_regular_file()) {
      out[*digest] = {it->path(), 0, static_cast<uint64_t>(it->file_size())};
    }
  }
  return out;
}

inline std::optional<StoredChunk> FindStoredChunk(const std::filesystem::path& root,
                                                  const ChunkDigest& digest) {
  std::map<ChunkDigest, StoredChunk> all = StoredChunks(root);
  auto it = all.find(digest);
  return it == all.end() ? std::nullopt : std::optional<StoredChunk>(it->second);
}

// Inverts the stored byte at `at` (from the start of the chunk's stored bytes).
inline bool FlipStoredByte(const StoredChunk& chunk, uint64_t at) {
  std::fstream f(chunk.file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(chunk.offset + at));
  const int c = f.get();
  if (!f) {
    return false;
  }
  f.seekp(static_cast<std::streamoff>(chunk.offset + at));
  f.put(static_cast<char>(~c));
  return static_cast<bool>(f.flush());
}

}  // namespace gallery::storage
