#pragma once
// PackChunkStore: the embedded ChunkStore for new stores, a folder on a local file system whose
// chunks are appended to a few large pack files instead of one file each.
//
//   {root}/packs/{id}.pack   chunk data: each chunk's stored bytes (its content, its segments
//                            that are not all zero, or a zstd frame) at a 4 KiB-aligned offset,
//                            zero-padded to 4 KiB; written with O_DIRECT where the file system
//                            allows it
//   {root}/packs/{id}.idx    the pack's log, fixed-size entries: a chunk committed into the pack
//                            (digest, offset, stored and content length, encoding, time), or
//                            one removed from it. Each entry carries a checksum.
//   {root}/staged/{name}.log a staged batch's log: chunks it wrote into packs (not yet
//                            committed), and stored chunks it holds
//   {root}/LOCK, {root}/STORE   as every store (store_folder.h)
//
// Why packs: a chunk written as its own file costs a file creation (an inode, a folder entry,
// a rename), which dominates small chunks. Measured on this project's replication benchmark
// (one file per chunk, ext4): 16 KiB chunks took 7.6 times the time and CPU of 128 KiB chunks
// for the same bytes. Appending to a pack costs a write; a commit flushes the packs written
// and their logs.
//
// Zero segments: a chunk whose content has all-zero stretches (a file system's free blocks
// next to data, a changed run of blocks in an empty region) leaves out its all-zero segments
// (4 KiB each for chunks up to 64 KiB, at most 16 per chunk) when that makes its record at
// least one block smaller, as a sparse file leaves out zero blocks: they cost no disk and no
// write. Which segments were left out is kept in the log entry; a read puts the zeros back and
// verifies the digest of the whole content. Measured on this project's replication benchmark
// (a next version differing in 2% of its 4 KiB blocks, 32 KiB chunks): 13% of the chunk bytes
// it copies are such zero blocks.
//
// Durability: a batch's Commit flushes (fdatasync) the packs its chunks went to, then appends
// their entries to the packs' logs and flushes those; only then are the chunks visible. A crash
// leaves at most a torn last log entry (its checksum fails; the log is cut there at the next
// open) and pack bytes no entry refers to (dead space). Pack files are never rewritten in
// place: new chunks are appended to an open pack (a new one after each open, and whenever one
// passes PackChunkStoreLimits::pack_bytes); concurrent writes go to up to four open packs.
// An entry whose checksum holds but whose fields this version does not write (a newer
// version's log) is no torn write: the open fails (FailedPrecondition) and nothing is cut.
//
// The index of every chunk (digest -> pack, offset, lengths, last use) is kept in memory,
// rebuilt from the logs at Open: about 100 bytes per chunk (3 MiB per GiB of stored data at
// 32 KiB chunks). Last-used times live there; after an open every chunk
// counts as used at its write time or the open, whichever is later, so a garbage collection
// after a restart never takes a chunk sooner than one grace period after the restart.
//
// Removing a chunk appends a removal entry (not flushed: a removal lost in a crash leaves a
// chunk no manifest refers to, which the next collection removes again). When less than half
// of a pack that is not open is live, the removal that crossed the line compacts it: its
// live chunks are verified and copied into an open pack, committed, and the old pack and
// its log are deleted. Packs that staged batches wrote into are compacted only once those
// batches are committed and discarded.
//
//   GALLERY_ASSIGN_OR_RETURN(auto store, PackChunkStore::Open(data_dir / "stores" / region));
//
// Errors: as FileChunkStore (store_folder.h): Unavailable naming the store and the OS error,
// ResourceExhausted when the disk is full, DataLoss for damaged chunks; no path in messages.
// Thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storage/chunk_store.h"
#include "storage/store_folder.h"

namespace gallery::storage {

struct PackChunkStoreLimits {
  // A pack at least this large gets no more chunks; the next chunk starts a new pack.
  uint64_t pack_bytes = uint64_t{256} << 20;
};

// Where a chunk's stored bytes are (for tools and tests that damage stores on purpose).
struct PackLocation {
  std::filesystem::path pack;
  uint64_t offset = 0;
  uint32_t stored_length = 0;
};

class PackChunkStore final : public ChunkStore {
 public:
  // Opens the store at `root`, creating its folders if needed, and reads every pack's log
  // (cutting a torn last entry) and every staged batch's log. Deletes packs a compaction
  // finished with. Errors as OpenStoreFolder (store_folder.h), Unavailable on I/O errors, and
  // FailedPrecondition for a log entry of a form this version does not know.
  static Result<std::unique_ptr<PackChunkStore>> Open(const std::filesystem::path& root,
                                                      ChunkStoreOptions options = {},
                                                      PackChunkStoreLimits limits = {});
  // Whether the folder at `root` holds a pack store (its packs folder exists).
  static bool IsPackStore(const std::filesystem::path& root);
  ~PackChunkStore() override;

  Result<bool> Contains(const ChunkDigest& digest) override;
  Result<bool> ContainsWhole(const ChunkDigest& digest, uint64_t length) override;
  Status ContainsWholeAll(std::span<const std::pair<ChunkDigest, uint32_t>> chunks,
                          std::vector<bool>* present) override;
  Result<std::vector<uint8_t>> Read(const ChunkDigest& digest) override;
  std::unique_ptr<ChunkBatch> BeginBatch() override;
  Result<std::unique_ptr<StagedBatch>> OpenStagedBatch(const std::string& name) override;
  Status DiscardStagedBatch(const std::string& name) override;
  Result<std::vector<std::string>> ListStagedBatches() override;
  Status Remove(const ChunkDigest& digest) override;
  Result<std::optional<uint64_t>> RemoveIfUnused(const ChunkDigest& digest,
                                                 TimestampMs used_before) override;
  Status ForEach(
      const std::function<void(const ChunkDigest& digest, TimestampMs last_used)>& fn) override;
  Result<StoreUsage> Usage() override;

  // Where every chunk of the store at `root` is, read from its logs without opening the store
  // (which may be open in another process): for tools and tests. Unavailable on I/O errors.
  static Result<std::map<ChunkDigest, PackLocation>> Inspect(const std::filesystem::path& root);
  // Where the stored chunk is; nullopt when absent.
  std::optional<PackLocation> Locate(const ChunkDigest& digest);
  // Packs deleted by compactions since Open (for tests and reports).
  uint64_t compactions() const { return compactions_.load(); }
  const std::filesystem::path& root() const { return root_; }

  // Implementation types (pack_chunk_store.cc).
  struct Pack;
  struct Entry;
  struct StagedState;
  // How a chunk's content is stored in its record: raw, a zstd frame, or its segments that are
  // not all zero (`form`, the .cc's Form). For the last, bit i of `holes` is set when segment i
  // (of SegmentBytes(content) bytes, the last one shorter) is all zero and left out.
  struct Encoding {
    uint8_t form = 0;
    uint16_t holes = 0;
  };

 private:
  class Batch;
  class Staged;
  struct Shard;
  // A chunk's stored bytes written into a pack, not yet committed.
  struct Written {
    ChunkDigest digest{};
    std::shared_ptr<Pack> pack;
    uint64_t offset = 0;
    uint32_t stored = 0;
    uint32_t content = 0;
    Encoding encoding;
    // Compaction: publish only while the index still has the chunk at this (pack id, offset).
    std::optional<std::pair<uint32_t, uint64_t>> replaces;
    // Counts in the pack's unpublished chunks until the last copy of this goes (committed or
    // given up): a compaction moves indexed chunks only, so it leaves such a pack alone.
    std::shared_ptr<void> unpublished;
  };

  PackChunkStore(std::filesystem::path root, ChunkStoreOptions options, PackChunkStoreLimits limits,
                 StoreFolder folder);
  Status Load();
  Shard& ShardOf(const ChunkDigest& digest);
  TimestampMs Now() const;
  // A chunk's bytes as a pack stores them.
  struct Encoded {
    ChunkDigest digest{};
    std::span<const uint8_t> stored;  // the content, or `encoded`
    std::vector<uint8_t> encoded;
    uint32_t content = 0;
    Encoding encoding;
  };
  // Leaves out `content`'s zero segments, or compresses it if configured, when that makes its
  // record smaller.
  Encoded EncodeChunk(const ChunkDigest& digest, std::span<const uint8_t> content) const;
  // Appends the chunks' stored bytes to an open pack with one write (one pack: a new one when
  // they do not fit in it).
  Result<std::vector<Written>> WriteAll(const std::vector<Encoded>& chunks);
  // Flushes the packs, logs the entries and flushes the logs, then makes the chunks visible.
  Status Publish(const std::vector<Written>& written);
  // Verified content of `length` stored bytes at `offset` of `pack`.
  Result<std::vector<uint8_t>> ReadAt(const ChunkDigest& digest, const Pack& pack, uint64_t offset,
                                      uint32_t stored, uint32_t content, Encoding encoding);
  // Takes the chunk out of the index and logs its removal; the bytes it took.
  Status Forget(const ChunkDigest& digest, const Entry& entry);
  // Compacts `pack` if less than half of it is live and nothing else needs it.
  void MaybeCompact(uint32_t pack_id);
  Status Compact(const std::shared_ptr<Pack>& pack);
  std::shared_ptr<Pack> PackById(uint32_t id);
  // Whether new chunks go to `pack` (packs_mu_ held).
  bool IsOpen(const Pack* pack) const;
  // Whether `pack` (null: deleted) holds its bytes up to `end`, by the size of its file (a
  // look at the file serves for kLookValidNs after `now_ns`, steady clock).
  Result<bool> HoldsUpTo(Pack* pack, uint64_t end, int64_t now_ns);

  std::filesystem::path root_;
  ChunkStoreOptions options_;
  PackChunkStoreLimits limits_;
  StoreFolder folder_;
  const Clock* clock_;
  std::unique_ptr<Clock> own_clock_;
  std::atomic<bool> direct_io_;
  std::vector<std::unique_ptr<Shard>> shards_;

  // Packs new chunks go to. Each takes one write at a time (the write holds the slot's mutex),
  // so its records are written in order at its end: direct writes that extend a file take the
  // file's lock in the file system, and four threads appending to one pack out of order wrote
  // at a quarter of the rate one thread did, where four packs at once wrote at twice it. A
  // write takes the first free slot: one writer at a time fills a single pack.
  static constexpr size_t kOpenPacks = 4;
  std::array<std::mutex, kOpenPacks> slot_mu_;

  std::mutex packs_mu_;  // guards packs_, open_, packs_dir_dirty_
  std::map<uint32_t, std::shared_ptr<Pack>> packs_;
  std::array<std::shared_ptr<Pack>, kOpenPacks> open_;  // by slot; null until a write needs it
  uint32_t next_pack_id_ = 1;
  bool packs_dir_dirty_ = false;  // a pack was created since the packs folder was flushed

  std::mutex dir_sync_mu_;  // held while the packs folder is flushed for new packs
  std::mutex compact_mu_;  // one compaction at a time
  std::atomic<uint64_t> compactions_{0};

  std::mutex staged_mu_;  // guards staged_
  std::map<std::string, std::shared_ptr<StagedState>> staged_;
};

}  // namespace gallery::storage
