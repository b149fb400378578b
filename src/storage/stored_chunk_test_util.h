#pragma once
// Tests that damage stores on disk, whatever their format: where a chunk's stored bytes are, in
// a FileChunkStore folder (its file) or a PackChunkStore folder (a range of a pack), found from
// the folder alone, so the store may be open in another process (a galleryd under test).

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>

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

// Makes the store lose the chunk, as a crash or a lost file would: a FileChunkStore's file is
// removed (the store may be open); a PackChunkStore's log entries naming it are dropped, so the
// store no longer has it once opened again (it must be closed meanwhile). False when the store
// did not hold it.
inline bool RemoveStoredChunk(const std::filesystem::path& root, const ChunkDigest& digest) {
  if (!PackChunkStore::IsPackStore(root)) {
    std::optional<StoredChunk> found = FindStoredChunk(root, digest);
    std::error_code ec;
    return found.has_value() && std::filesystem::remove(found->file, ec);
  }
  // Log entries are 80 bytes, each with its own checksum, the digest first
  // (pack_chunk_store.cc): the others stay valid.
  constexpr size_t kEntryBytes = 80;
  bool removed = false;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(root / "packs", ec)) {
    if (f.path().extension() != ".idx") {
      continue;
    }
    std::string log;
    {
      std::ifstream in(f.path(), std::ios::binary);
      log.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::string kept;
    size_t at = 0;
    for (; at + kEntryBytes <= log.size(); at += kEntryBytes) {
      if (std::memcmp(log.data() + at, digest.data(), digest.size()) != 0) {
        kept.append(log, at, kEntryBytes);
      }
    }
    kept.append(log, at);
    if (kept.size() != log.size()) {
      removed = true;
      std::ofstream(f.path(), std::ios::binary | std::ios::trunc) << kept;
    }
  }
  return removed;
}

}  // namespace gallery::storage
