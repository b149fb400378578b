#pragma once
// What every on-disk chunk store format shares: its options, how it opens its folder (the
// identity marker, the LOCK), how it words I/O errors, and small POSIX helpers.
//
//   GALLERY_ASSIGN_OR_RETURN(StoreFolder folder,
//                            OpenStoreFolder(root, options, [&] { return HasPacks(root); }));
//   ... create the format's folders ...
//   GALLERY_RETURN_IF_ERROR(folder.WriteMarkerIfNew());  // last: a marked folder is whole
//
// Errors name the store (ChunkStoreOptions::name) and the OS error, never a path: messages
// reach clients (a region's replication details, a failed operation), and the server's layout
// is not theirs to see. The path of a failure goes to the server log.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/time.h"
#include "storage/chunk_digest.h"
#include "storage/posix_io.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace gallery::storage {

struct ChunkStoreOptions {
  // Store new chunks zstd-compressed (kept raw, or without their zero segments in a pack
  // store, when that is not larger).
  bool compress = false;
  int compression_level = 1;
  // Write chunk data with O_DIRECT where the file system allows it (falls back to the page
  // cache by itself): it skips copying into the page cache and the later write-back.
  bool direct_io = true;
  // FileChunkStore only: chunk file bytes written between background flushes of the file
  // system (0: none).
  uint64_t background_flush_bytes = uint64_t{256} << 20;
  // Source of last-used times; the system clock when null. Must outlive the store.
  const Clock* clock = nullptr;
  // The store's name (domain::StoreLocation::name), kept in its STORE marker and used in error
  // messages instead of its path. Opening refuses a folder whose marker names another store.
  std::string name;
  // Whether the metadata records data in this store; asked only when the folder has no STORE
  // marker and no chunks. Then true means the folder is not the store (its disk is not
  // mounted, or was wiped) and opening refuses it instead of initialising an empty store there.
  // Never asked when null.
  std::function<Result<bool>()> holds_data;
};

// How errors name a store: its name, or its folder when it has none (tools and tests).
std::string ShownStoreName(const ChunkStoreOptions& options, const std::filesystem::path& root);

// Unavailable (ResourceExhausted for a full disk or quota) "chunk store 'S': WHAT: OS error";
// logs the path.
Status StoreIoError(std::string_view store, std::string_view what,
                    const std::filesystem::path& path, int err);
// DataLoss "chunk D in chunk store 'S' is damaged (WHY)"; logs `where`.
Status DamagedChunk(std::string_view store, const ChunkDigest& digest, std::string_view where,
                    std::string_view why);

Status FsyncDir(std::string_view store, const std::filesystem::path& dir);
// Creates `dir` unless it exists; returns whether it created it.
Result<bool> MakeDir(std::string_view store, const std::filesystem::path& dir);
// Calls fn(name) for every entry of `dir` but "." and ".."; an error listing the folder itself
// is returned.
Status ForEachEntry(std::string_view store, const std::filesystem::path& dir,
                    const std::function<void(const char* name)>& fn);

// InvalidArgument unless `name` is a staged batch name (ChunkStore::OpenStagedBatch: a plain
// file name of letters, digits, '-', '_', '.').
Status CheckStagedName(const std::string& name);

// No chunk is larger (ingest's chunk sizes are at most 64 MiB): a stored length claiming more
// is damage, not a reason to allocate.
inline constexpr uint64_t kMaxChunkBytes = uint64_t{64} << 20;

// O_DIRECT wants buffers, offsets and lengths aligned to this.
inline constexpr size_t kDirectAlign = 4096;
// A per-thread buffer aligned for direct I/O, at least `size` bytes; empty when out of memory.
std::span<uint8_t> AlignedScratch(size_t size);

// Per-thread zstd contexts: creating one per chunk would cost an allocation of ~1 MiB each.
ZSTD_CCtx_s* ThreadCompressor();
ZSTD_DCtx_s* ThreadDecompressor();

// A store's folder, open and locked (flock on {root}/LOCK) for as long as this lives.
class StoreFolder {
 public:
  StoreFolder(StoreFolder&&) = default;
  StoreFolder& operator=(StoreFolder&&) = default;

  // Writes the STORE marker when the folder had none (crash-safely); call once the format's
  // folders exist, so that a folder with a marker is a whole store.
  Status WriteMarkerIfNew();
  // The LOCK's descriptor (names the file system for syncfs).
  int lock_fd() const { return lock_->get(); }
  const std::string& shown() const { return shown_; }

 private:
  friend Result<StoreFolder> OpenStoreFolder(const std::filesystem::path&, const ChunkStoreOptions&,
                                             const std::function<bool()>&);
  StoreFolder(std::filesystem::path root, std::string name, std::string shown, int lock_fd,
              bool write_marker)
      : root_(std::move(root)),
        name_(std::move(name)),
        shown_(std::move(shown)),
        lock_(std::make_unique<Fd>(lock_fd)),
        write_marker_(write_marker) {}

  std::filesystem::path root_;
  std::string name_;
  std::string shown_;
  std::unique_ptr<Fd> lock_;
  bool write_marker_;
};

// Checks the folder's STORE marker, creates the folder if needed and locks it. `has_chunks`
// says whether the folder holds chunks in the caller's format (a store without a marker that
// holds chunks was made before stores had markers). FailedPrecondition when the store is open
// elsewhere (this process or another) or its marker names another store; Unavailable on I/O
// errors, when the path is not a folder, and when the folder has neither a marker nor chunks
// while options.holds_data says the store holds data (nothing is written then).
Result<StoreFolder> OpenStoreFolder(const std::filesystem::path& root,
                                    const ChunkStoreOptions& options,
                                    const std::function<bool()>& has_chunks);

}  // namespace gallery::storage
